'use strict';
// Look-alike: the per-request interval is stopped in a finally, whatever the await does.
const http = require('http');

async function renderInvoice(id) {
  return `invoice ${id}`;
}

const server = http.createServer(async (req, res) => {
  const keepAlive = setInterval(() => res.write(' '), 10_000);
  try {
    res.end(await renderInvoice(req.url.slice(1)));
  } finally {
    clearInterval(keepAlive);
  }
});

module.exports = { server };
