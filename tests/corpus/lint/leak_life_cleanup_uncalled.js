// A helper object whose listener on `process` is removed only by a method its owner - the
// only holder of the helper - never calls (a shutdown that forgets one cleanup).
class ReloadWatch {
  constructor(owner) {
    this.owner = owner;
  }

  arm() {
    this.onHup = () => this.owner.reload();
    process.on('SIGHUP', this.onHup); // expect: listener-not-removed (known miss: nothing in the file shows arm() running twice, since session 10 a listener needs that)
  }

  disarm() {
    process.removeListener('SIGHUP', this.onHup);
  }
}

class ConfigService {
  constructor() {
    this.reloads = new ReloadWatch(this);
    this.reloads.arm();
  }

  reload() {}

  shutdown() {
    this.closed = true;
  }
}

function forTenant() {
  return new ConfigService();
}

module.exports = { forTenant };
