// Per-vehicle traces capped at the last hundred fixes, and per-vehicle waiters answered and
// dropped together when the next fix arrives.
class FleetTracker {
  constructor() {
    this.traces = new Map();
    this.waiters = new Map();
  }

  onFix(vehicleId, lat, lon) {
    if (!this.traces.has(vehicleId)) this.traces.set(vehicleId, []);
    const trace = this.traces.get(vehicleId);
    trace.push({ lat, lon, at: Date.now() });
    if (trace.length > 100) trace.shift();
    const waiting = this.waiters.get(vehicleId);
    this.waiters.delete(vehicleId);
    if (waiting) for (const resolve of waiting) resolve({ lat, lon });
  }

  nextFix(vehicleId) {
    return new Promise((resolve) => {
      if (!this.waiters.has(vehicleId)) this.waiters.set(vehicleId, []);
      this.waiters.get(vehicleId).push(resolve);
    });
  }

  retire(vehicleId) {
    this.traces.delete(vehicleId);
  }
}

module.exports = new FleetTracker();
