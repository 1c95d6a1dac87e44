// Look-alike: the handed-out function's method removes its listener when the task is done.
import { EventEmitter } from 'node:events';

export class ImportRunner {
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
    const onTick = (id: string) => {
      if (id === taskId) {
        this.progress.off('tick', onTick);
      }
    };
    this.progress.on('tick', onTick);
  }
}
