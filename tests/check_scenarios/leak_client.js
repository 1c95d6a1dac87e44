// Leak: a new client (with its own buffer and settings) per iteration, registered in a
// module-level set and never closed.
const openClients = new Set();

class DatabaseClient {
  constructor(url) {
    this.url = url;
    this.settings = { poolSize: 4, timeoutMs: 5000 };
    this.writeBuffer = new Array(8).fill(0);
    openClients.add(this);
  }

  query(text) { return `${this.url}: ${text}`; }
}

exports.iteration = function handleRequest() {
  const client = new DatabaseClient('postgres://127.0.0.1/app');
  return client.query('select 1');
};
