// src/session-pool.ts of @google-cloud/spanner, cut to the wait in _getSession().
// One SessionPool per Database object lives as long as the client; _onClose settles
// only when the pool is closed.
import {EventEmitter} from 'events';

interface Session {
  id: string;
}
type types = 'readonly' | 'readwrite';

const errors = {Closed: 'Database is closed.'};

export class SessionPool extends EventEmitter {
  _inventory: {[type: string]: Session[]} = {readonly: [], readwrite: []};
  _waiters: {[type: string]: number} = {readonly: 0, readwrite: 0};
  _onClose!: Promise<void>;

  open(): void {
    this._onClose = new Promise(resolve => this.once('close', resolve));
  }

  async _getSession(type: types): Promise<Session> {
    if (this._inventory[type].length) {
      return this._borrowNextAvailableSession(type);
    }

    let removeOnceCloseListener: Function;
    let removeListener: Function;

    // Wait for the requested type of session to become available.
    const availableEvent = type + '-available';
    const promises = [
      new Promise((_, reject) => {
        const onceCloseListener = () => reject(new Error(errors.Closed));
        this.once('close', onceCloseListener);
        removeOnceCloseListener = this.removeListener.bind(this, 'close', onceCloseListener);
      }),
      new Promise(resolve => {
        this.once(availableEvent, resolve);
        removeListener = this.removeListener.bind(this, availableEvent, resolve);
      }),
    ];

    let removeErrorListener: Function;
    promises.push(
      new Promise((_, reject) => {
        this.once('createError', reject);
        removeErrorListener = this.removeListener.bind(this, 'createError', reject);
      })
    );

    try {
      this._waiters[type]++;
      await Promise.race(promises);
    } finally {
      this._waiters[type]--;
      removeOnceCloseListener!();
      removeListener!();
      removeErrorListener!();
    }

    return this._borrowNextAvailableSession(type);
  }

  _borrowNextAvailableSession(type: types): Session {
    return this._inventory[type].pop()!;
  }
}
