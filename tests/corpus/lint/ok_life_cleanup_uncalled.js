// The owner runs the helper's cleanup when it shuts down.
class ReloadWatch {
  constructor(owner) {
    this.owner = owner;
  }

  arm() {
    this.onHup = () => this.owner.reload();
    process.on('SIGHUP', this.onHup);
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
    this.reloads.disarm();
  }
}

function forTenant() {
  return new ConfigService();
}

module.exports = { forTenant };
