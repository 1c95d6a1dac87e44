'use strict';
// Upload endpoint that compresses each body; plain node http and node's zlib.
const http = require('http');
const zlib = require('zlib');

const openStreams = new Set();

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks.length ? chunks : [Buffer.from('empty body ' + Date.now())]);
    if (req.url.startsWith('/archive')) {
      // Kept "until it ends", but it is never ended.
      const gzip = zlib.createGzip({ level: 6 }); // eval: gzip-per-request
      openStreams.add(gzip); // eval: gzip-per-request
      gzip.on('end', () => openStreams.delete(gzip));
      gzip.write(body);
    }
    // The compressed reply is done right: one-shot and released.
    const reply = zlib.createDeflate();
    const out = [];
    reply.on('data', (c) => out.push(c));
    reply.on('end', () => res.end(Buffer.concat(out)));
    reply.end(body);
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
