// Downloads tracked until they end, whichever way: every handler that ends the download
// goes through finish(), which takes the entry out.
import { EventEmitter } from 'events';

export class DownloadTracker {
  private active = new Map<string, EventEmitter>();

  track(id: string, job: EventEmitter): void {
    this.active.set(id, job);
    const finish = () => {
      this.active.delete(id);
    };
    job.on('done', () => {
      finish();
      job.removeAllListeners();
    });
    job.on('failed', () => {
      finish();
      job.removeAllListeners();
    });
  }
}
