// A method called from a function the class hands out (a processor it returns to a queue
// library) runs once per job: a listener it adds to a field set at construction stays on the
// object. Seventh session; names and shapes are this file's own.
import { EventEmitter } from 'node:events';

export class ExportRunner {
  private readonly progress: EventEmitter;

  constructor(progress: EventEmitter) {
    this.progress = progress;
  }

  makeHandler() {
    return async (task: { id: string; rows: number }) => {
      await this.track(task.id);
      return task.rows;
    };
  }

  private async track(taskId: string) {
    this.progress.on('tick', (id: string) => { // expect: listener-not-removed
      if (id === taskId) console.log('tick', id);
    });
  }
}
