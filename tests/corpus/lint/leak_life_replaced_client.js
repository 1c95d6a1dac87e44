// A client kept in a field or a module variable, replaced by code that runs again without
// closing the one that was there (issue 11: "a client replaced in a field without closing
// the previous one"). Names and shapes differ on purpose from the corpus cases.
const amqp = require('amqplib');
const { MongoClient } = require('mongodb');

class FeedReader {
  constructor(url) {
    this.url = url;
    this.link = null;
  }

  // run by refresh() every time the feed is stale: each run opens another link
  async attach() {
    this.link = new BrokerLink(this.url); // expect: client-per-request
    await this.link.open();
    return this.link;
  }

  async refresh() {
    if (Date.now() % 2) await this.attach();
  }

  detach() {
    this.link.close();
  }
}

class BrokerLink {
  constructor(url) { this.url = url; }
  async open() { return this; }
  close() {}
}

let shared;
function mongo() {
  shared = new MongoClient(process.env.MONGO_URL); // expect: client-per-request
  return shared;
}

exports.findUser = async (id) => mongo().db().collection('users').findOne({ id });
exports.FeedReader = FeedReader;
exports.openQueue = async () => amqp.connect(process.env.AMQP_URL);
