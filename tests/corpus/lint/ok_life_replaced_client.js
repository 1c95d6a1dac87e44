// Clients kept in a field or a module variable, replaced only after a look at what is there
// or after closing it; and plain values replaced freely.
const { MongoClient } = require('mongodb');
const { PassThrough } = require('stream');

class FeedReader {
  constructor(url) {
    this.url = url;
    this.link = new BrokerLink(url);
    this.buffer = new PassThrough();
  }

  async attach() {
    if (this.link && this.link.ready) return this.link;
    this.link = new BrokerLink(this.url);
    await this.link.open();
    return this.link;
  }

  async reattach() {
    this.detach();
    this.link = new BrokerLink(this.url);
    await this.link.open();
  }

  rotate() {
    this.buffer.end();
    this.buffer = new PassThrough();
  }

  refill() {
    this.buffer = new PassThrough();
    this.buffer.write('x');
  }

  detach() {
    this.link.close();
  }
}

class BrokerLink {
  constructor(url) { this.url = url; this.ready = false; }
  async open() { this.ready = true; return this; }
  close() {}
}

let shared;
function mongo() {
  if (!shared) shared = new MongoClient(process.env.MONGO_URL);
  return shared;
}

let other = null;
function mongoAgain() {
  if (other === null) {
    other = new MongoClient(process.env.MONGO_URL);
  }
  return other;
}

exports.findUser = async (id) => mongo().db().collection('users').findOne({ id });
exports.findOther = async (id) => mongoAgain().db().collection('users').findOne({ id });
exports.FeedReader = FeedReader;
