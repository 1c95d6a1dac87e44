// The request's own timeout, which goes with the request.
const https = require('https');

const agent = new https.Agent({ keepAlive: true });

exports.fetchJson = function fetchJson(url, ms) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent }, (res) => res.on('data', () => {}).on('end', resolve));
    req.setTimeout(ms, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
};
