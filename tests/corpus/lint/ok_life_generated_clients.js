// One stub for the life of the link; a worker thread the code waits to see exit.
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const { Worker } = require('node:worker_threads');

const stubs = grpc.loadPackageDefinition(loader.loadSync('audit.proto')).audit.v2;

class AuditLink {
  constructor(addr) {
    this.stub = new stubs.AuditSink(addr, grpc.credentials.createInsecure());
    this.stream = null;
  }

  reopen() {
    this.stream = this.stub.push();
    this.stream.on('error', () => setTimeout(() => this.reopen(), 1000));
  }
}

function resize(image) {
  return new Promise((resolve, reject) => {
    const thread = new Worker('./resize.js', { workerData: image });
    thread.once('message', resolve);
    thread.once('exit', (code) => code && reject(new Error(String(code))));
  });
}

module.exports = { AuditLink, resize };
