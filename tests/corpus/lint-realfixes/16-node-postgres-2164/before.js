'use strict';
class Pool {
  constructor() {
    this._idle = [];
  }

  _release(client, idleListener, err) {
    client.on('error', idleListener);
    if (err) return client.end();
    this._idle.push(client);
  }

  _acquireClient(client, pendingItem, idleListener, isNew) {
    if (!isNew) this.emit('acquire', client);
    client.release = (err) => { // leak: closure-capture
      this._release(client, idleListener, err);
    };
    client.removeListener('error', idleListener);
    pendingItem.callback(undefined, client, client.release);
  }
}

module.exports = Pool;
