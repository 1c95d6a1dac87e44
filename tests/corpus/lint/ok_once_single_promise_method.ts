// One `once` per call for an event that always comes (the connection is ready exactly once
// per open): it is removed when it fires, and there is no second listener to leave behind.
import { EventEmitter } from 'events';

export default class Gate extends EventEmitter {
  private opened = false;

  whenOpen(): Promise<void> {
    if (this.opened) return Promise.resolve();
    return new Promise((resolve) => {
      this.once('open', () => resolve());
    });
  }

  open(): void {
    this.opened = true;
    this.emit('open');
  }
}
