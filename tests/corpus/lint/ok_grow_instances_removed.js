'use strict';
// The same registry, with each session taking itself out when it finishes.
class DownloadSession {
  constructor(file) {
    this.file = file;
    DownloadSession.live.add(this);
  }

  finish() {
    DownloadSession.live.delete(this);
    this.file.close();
  }
}

DownloadSession.live = new Set();

module.exports = DownloadSession;
