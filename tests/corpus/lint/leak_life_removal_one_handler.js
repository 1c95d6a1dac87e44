'use strict';
// Each upstream proxy connection is tracked until it finishes: its 'close' handler takes it
// out of `open`, but its 'timeout' handler, which also ends the connection (it destroys the
// socket and stops the meter), leaves it in: a destroyed socket may never emit 'close' here.
const net = require('net');

const open = new Map();

function proxy(client, port) {
  const upstream = net.connect(port, '127.0.0.1');
  const meter = setInterval(() => client.write(''), 5000);
  open.set(client.remoteAddress + ':' + client.remotePort, upstream); // expect: module-collection-growth
  upstream.on('close', () => {
    clearInterval(meter);
    open.delete(client.remoteAddress + ':' + client.remotePort);
  });
  upstream.on('timeout', () => {
    clearInterval(meter);
    upstream.destroy();
  });
  client.pipe(upstream).pipe(client);
}

module.exports = net.createServer((client) => proxy(client, 7000));
