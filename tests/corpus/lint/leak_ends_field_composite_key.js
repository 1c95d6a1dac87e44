// A ballot box the host makes once: every vote is kept under a poll-and-voter key, and
// nothing ever takes one out.
class BallotBox {
  constructor(store) {
    this.store = store;
    this.votes = {};
  }

  async cast(message) {
    const poll = message.pollId;
    const voter = message.sender.id;
    this.votes[poll + '/' + voter] = message.choice; // expect: field-collection-growth
    await this.store.save(poll, voter, message.choice);
  }
}

module.exports = BallotBox;
