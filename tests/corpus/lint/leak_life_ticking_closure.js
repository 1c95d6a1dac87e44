'use strict';
// begin() runs once per probe, but the closure it starts runs on every tick: a timer calls
// runOnce(), which calls sample(); every sample stays in the list while the probe lives (and
// the pending timer keeps the probe alive).
class DiskProbe {
  constructor(device) {
    this.device = device;
    this.samples = [];
    this.timer = null;
  }

  begin(readUsage) {
    const sample = async () => {
      this.samples.push({ at: Date.now(), used: await readUsage(this.device) }); // expect: field-collection-growth
    };
    const runOnce = async () => {
      await sample();
      this.timer = setTimeout(runOnce, 10_000);
    };
    runOnce();
  }

  end() {
    clearTimeout(this.timer);
  }
}

module.exports = DiskProbe;
