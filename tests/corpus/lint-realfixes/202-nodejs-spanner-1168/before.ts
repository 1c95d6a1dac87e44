// src/session-pool.ts of @google-cloud/spanner, cut to the wait in _getSession().
// One SessionPool per Database object lives as long as the client.
import {EventEmitter} from 'events';

interface Session {
  id: string;
}
type types = 'readonly' | 'readwrite';

const errors = {Timeout: 'Timeout occurred while acquiring session.'};

export class SessionPool extends EventEmitter {
  _inventory: {[type: string]: Session[]} = {readonly: [], readwrite: []};
  _waiters: {[type: string]: number} = {readonly: 0, readwrite: 0};
  _pending = 0;
  options: {acquireTimeout: number; incStep: number; max: number};

  constructor(options: {acquireTimeout: number; incStep: number; max: number}) {
    super();
    this.options = options;
  }

  get size(): number {
    return this._inventory.readonly.length + this._inventory.readwrite.length;
  }

  async _getSession(type: types, startTime: number): Promise<Session> {
    if (this._inventory[type].length) {
      return this._borrowNextAvailableSession(type);
    }

    let removeListener: Function;

    // Wait for the requested type of session to become available.
    const availableEvent = type + '-available';
    const promises: Promise<unknown>[] = [
      new Promise(resolve => {
        this.once(availableEvent, resolve);
        removeListener = this.removeListener.bind(this, availableEvent, resolve);
      }),
    ];

    const timeout = this.options.acquireTimeout;
    if (isFinite(timeout)) {
      const remaining = timeout - (Date.now() - startTime);
      promises.push(
        new Promise((_, reject) => {
          const error = new Error(errors.Timeout);
          setTimeout(reject.bind(null, error), remaining);
        })
      );
    }

    if (this.size + this._pending < this.options.max) {
      const reads = Math.min(this.options.incStep, this.options.max - this.size);
      this._pending += reads;
      promises.push(
        new Promise((_, reject) => {
          this._pending -= reads;
          this._createSessions(reads).catch(reject);
        })
      );
    }
    promises.push(
      new Promise((_, reject) => {
        this.once('createError', reject); // leak: listener-leak
      })
    );

    try {
      this._waiters[type]++;
      await Promise.race(promises);
    } catch (e) {
      removeListener!();
      throw e;
    } finally {
      this._waiters[type]--;
    }

    return this._borrowNextAvailableSession(type);
  }

  async _createSessions(reads: number): Promise<void> {
    try {
      for (let i = 0; i < reads; i++) {
        this._inventory.readonly.push({id: String(Date.now() + i)});
        this.emit('readonly-available');
      }
    } catch (e) {
      this.emit('createError', e);
      throw e;
    }
  }

  _borrowNextAvailableSession(type: types): Session {
    return this._inventory[type].pop()!;
  }
}
