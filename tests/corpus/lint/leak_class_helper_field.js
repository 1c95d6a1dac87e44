'use strict';
// A client's field grown one helper call away from the method that makes the entry.
class MetricsClient {
  constructor(url) {
    this.url = url;
    this.points = [];
  }

  timing(name, ms) {
    this.remember({ name, ms, at: Date.now() });
  }

  remember(point) {
    this.points.push(point); // expect: field-collection-growth
  }
}

module.exports = { MetricsClient };
