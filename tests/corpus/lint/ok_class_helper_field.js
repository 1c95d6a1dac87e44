'use strict';
// Look-alike: the helper's buffer is flushed.
class MetricsClient {
  constructor(url) {
    this.url = url;
    this.points = [];
  }

  timing(name, ms) {
    this.remember({ name, ms, at: Date.now() });
  }

  remember(point) {
    this.points.push(point);
    if (this.points.length >= 100) this.flush();
  }

  flush() {
    const batch = this.points.splice(0, this.points.length);
    return batch;
  }
}

module.exports = { MetricsClient };
