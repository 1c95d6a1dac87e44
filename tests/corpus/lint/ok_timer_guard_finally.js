'use strict';
// The same loop step with the watchdog cleared in finally: a throw clears it too.
class OutboxPoller {
  constructor(client, log) {
    this.client = client;
    this.log = log;
  }

  async step(waitSeconds) {
    let watchdog;
    try {
      watchdog = setTimeout(() => this.client.resetConnection(), (waitSeconds + 5) * 1000);
      const batch = await this.client.receive({ waitSeconds });
      return batch.length;
    } catch (err) {
      this.log.warn(err);
      return 0;
    } finally {
      clearTimeout(watchdog);
    }
  }
}

module.exports = OutboxPoller;
