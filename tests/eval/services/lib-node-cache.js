'use strict';
// Token lookups cached with node-cache@5, created with its defaults (stdTTL 0: never expires).
const http = require('http');
const NodeCache = require('node-cache');
const { randomBytes } = require('crypto');

const tokenCache = new NodeCache(); // eval: node-cache-tokens
const flagCache = new NodeCache({ stdTTL: 600 });
const FLAGS = ['beta', 'dark-mode', 'search-v2', 'fast-checkout', 'new-nav'];

function lookupToken(token) {
  let info = tokenCache.get(token);
  if (!info) {
    info = { token, user: 'u-' + token.slice(0, 6), scopes: ['read', 'write'], issued: Date.now() };
    tokenCache.set(token, info); // eval: node-cache-tokens
  }
  return info;
}

let n = 0;
http.createServer((req, res) => {
  n += 1;
  const flag = FLAGS[n % FLAGS.length];
  if (flagCache.get(flag) === undefined) flagCache.set(flag, { flag, on: n % 2 === 0, rules: new Array(20).fill(flag) });
  const token = req.headers.authorization || randomBytes(16).toString('hex');
  const info = lookupToken(token);
  res.end(info.user + ' ' + flag);
}).listen(Number(process.env.PORT), '127.0.0.1');
