// A gRPC stub made per reconnect, and a worker thread per call that is never ended.
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');
const { Worker } = require('node:worker_threads');

const stubs = grpc.loadPackageDefinition(loader.loadSync('audit.proto')).audit.v2;

class AuditLink {
  constructor(addr) { this.addr = addr; this.stream = null; }

  reopen() {
    const stub = new stubs.AuditSink(this.addr, grpc.credentials.createInsecure()); // expect: client-per-request
    this.stream = stub.push();
    this.stream.on('error', () => setTimeout(() => this.reopen(), 1000));
  }
}

function resize(image) {
  return new Promise((resolve) => {
    const thread = new Worker('./resize.js'); // expect: client-per-request
    thread.once('message', resolve);
    thread.postMessage(image);
  });
}

module.exports = { AuditLink, resize };
