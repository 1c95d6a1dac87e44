class EmailEventProcessor {
  constructor(db) {
    this.db = db;
    this.batchIdByMessageId = {};
  }

  async batchFor(messageId) {
    if (this.batchIdByMessageId[messageId]) {
      return this.batchIdByMessageId[messageId];
    }
    const row = await this.db.first('email_batches', { message_id: messageId });
    this.batchIdByMessageId[messageId] = row.id; // expect: cache-without-eviction
    return row.id;
  }
}

module.exports = EmailEventProcessor;
