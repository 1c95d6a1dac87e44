// The same controller listens once, when it is made; the request only reads.
import { inject, route } from '@acme/web';
import type { EventEmitter } from 'node:events';

export class ReportController {
  private stale = new Set<string>();

  constructor(@inject('app.events') private events: EventEmitter) {
    this.events.on('refresh', (id: string) => this.stale.add(id));
  }

  @route('GET', '/reports/{id}')
  find(id: string) {
    this.stale.delete(id);
    return this.load(id);
  }

  private load(id: string) { return { id }; }
}
