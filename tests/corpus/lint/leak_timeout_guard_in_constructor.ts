// One guard object per upload; its constructor arms a timeout that cancels the upload, keeps
// the handle in a field and never clears it, so every finished upload stays reachable from
// a pending timer until its limit passes.
interface Upload { limitMs: number; cancelUpload(reason: string): void }

class UploadWatchdog {
  private alarm: NodeJS.Timeout;

  constructor(private readonly upload: Upload) {
    this.alarm = setTimeout(() => { // expect: timeout-not-cleared
      upload.cancelUpload('took too long');
    }, upload.limitMs);
  }
}

export class UploadQueue {
  start(uploads: Upload[]): void {
    uploads.forEach((upload) => this.guard(upload));
  }

  private guard(upload: Upload): UploadWatchdog {
    return new UploadWatchdog(upload);
  }
}
