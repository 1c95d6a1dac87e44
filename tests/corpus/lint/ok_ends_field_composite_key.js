// A tally made for each count: its table under composite keys dies with it.
class Tally {
  constructor() {
    this.votes = {};
  }

  add(message) {
    const poll = message.pollId;
    const voter = message.sender.id;
    this.votes[poll + '/' + voter] = message.choice;
  }

  total() {
    return Object.keys(this.votes).length;
  }
}

function count(messages) {
  const tally = new Tally();
  for (const message of messages) tally.add(message);
  return tally.total();
}

module.exports = { count };
