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

  _releaseOnce(client, idleListener) {
    let released = false;
    return (err) => {
      if (released) return;
      released = true;
      this._release(client, idleListener, err);
    };
  }

  _acquireClient(client, pendingItem, idleListener, isNew) {
    if (!isNew) this.emit('acquire', client);
    client.release = this._releaseOnce(client, idleListener);
    client.removeListener('error', idleListener);
    pendingItem.callback(undefined, client, client.release);
  }
}

module.exports = Pool;
