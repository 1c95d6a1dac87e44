const fs = require('fs');
const { EventEmitter } = require('events');

const hub = new EventEmitter();

class Service {
  constructor() {
    this.onExit = () => this.close();
    process.on('exit', this.onExit);
  }

  close() {
    process.removeListener('exit', this.onExit);
  }
}

function download(req, res) {
  const file = fs.createReadStream('/tmp/data.bin');
  file.on('data', (chunk) => res.write(chunk));
  file.on('end', () => res.end());
  file.on('error', (err) => res.destroy(err));
}

function subscribe(req, res) {
  const listener = (event) => res.write(JSON.stringify(event));
  hub.on('event', listener);
  req.once('close', () => hub.removeListener('event', listener));
}

module.exports = { Service, download, subscribe };
