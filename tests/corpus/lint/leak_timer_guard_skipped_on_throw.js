'use strict';
// One step of a consumer loop: a watchdog timer guards the long poll and is cleared when the
// poll answers; when the poll throws, the error is logged and the loop goes on, and the
// watchdog stays armed - one more per failed step.
class InboxPoller {
  constructor(client, log) {
    this.client = client;
    this.log = log;
  }

  async step(waitSeconds) {
    try {
      const watchdog = setTimeout(() => this.client.resetConnection(), (waitSeconds + 5) * 1000); // expect: timeout-not-cleared
      const batch = await this.client.receive({ waitSeconds });
      clearTimeout(watchdog);
      return batch.length;
    } catch (err) {
      this.log.warn(err);
      return 0;
    }
  }
}

module.exports = InboxPoller;
