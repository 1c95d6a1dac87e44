// Per-vehicle GPS traces: each fix is appended to its vehicle's list, and the list is only
// dropped when the vehicle is retired; a vehicle that keeps driving grows its list forever.
class FleetTracker {
  constructor() {
    this.traces = new Map();
  }

  onFix(vehicleId, lat, lon) {
    if (!this.traces.has(vehicleId)) this.traces.set(vehicleId, []);
    this.traces.get(vehicleId).push({ lat, lon, at: Date.now() }); // expect: field-collection-growth
  }

  retire(vehicleId) {
    this.traces.delete(vehicleId);
  }
}

module.exports = new FleetTracker();
