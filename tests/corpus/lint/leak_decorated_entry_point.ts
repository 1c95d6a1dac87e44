// A controller of a framework the linter has never heard of: the decorator call registers the
// method, and the framework runs it per request, on the one controller it made.
import { inject, route } from '@acme/web';
import type { EventEmitter } from 'node:events';

export class ReportController {
  constructor(@inject('app.events') private events: EventEmitter) {}

  @route('GET', '/reports/{id}')
  find(id: string) {
    this.events.on('refresh', () => this.reload(id)); // expect: listener-not-removed
    return this.load(id);
  }

  private load(id: string) { return { id }; }
  private reload(id: string) { this.load(id); }
}
