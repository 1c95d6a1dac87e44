// Look-alike: the guard's timeout is cleared when the upload ends.
interface Upload { limitMs: number; cancelUpload(reason: string): void }

class UploadWatchdog {
  private alarm: NodeJS.Timeout;

  constructor(private readonly upload: Upload) {
    this.alarm = setTimeout(() => {
      upload.cancelUpload('took too long');
    }, upload.limitMs);
  }

  done(): void {
    clearTimeout(this.alarm);
  }
}

export class UploadQueue {
  start(uploads: Upload[]): UploadWatchdog[] {
    return uploads.map((upload) => this.guard(upload));
  }

  private guard(upload: Upload): UploadWatchdog {
    return new UploadWatchdog(upload);
  }
}
