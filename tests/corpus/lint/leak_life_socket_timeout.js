// An outgoing request through a keep-alive agent: its socket serves later requests, and
// `socket.setTimeout(ms, fn)` adds `fn` as a 'timeout' listener each time.
const https = require('https');

const agent = new https.Agent({ keepAlive: true });

exports.fetchJson = function fetchJson(url, ms) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent }, (res) => res.on('data', () => {}).on('end', resolve));
    req.on('socket', (socket) => {
      socket.setTimeout(ms, () => reject(new Error('timeout'))); // expect: listener-not-removed
    });
    req.on('error', reject);
  });
};
