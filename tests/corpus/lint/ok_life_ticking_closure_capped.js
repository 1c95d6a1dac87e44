'use strict';
// The same probe keeps the last hundred samples only.
class CpuProbe {
  constructor(core) {
    this.core = core;
    this.samples = [];
    this.timer = null;
  }

  begin(readLoad) {
    const runOnce = async () => {
      this.samples.push({ at: Date.now(), load: await readLoad(this.core) });
      if (this.samples.length > 100) this.samples.shift();
      this.timer = setTimeout(runOnce, 10_000);
    };
    runOnce();
  }

  end() {
    clearTimeout(this.timer);
  }
}

module.exports = CpuProbe;
