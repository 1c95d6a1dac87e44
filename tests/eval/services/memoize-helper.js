'use strict';
// A home-grown memoize helper used for price lookups; plain node http.
const http = require('http');

function memoize(fn) {
  const cache = new Map(); // eval: memo-quotes
  return function memoized(...args) {
    const key = JSON.stringify(args);
    if (!cache.has(key)) cache.set(key, fn(...args)); // eval: memo-quotes
    return cache.get(key);
  };
}

class Quote { // eval: memo-quotes
  constructor(sku, currency, at) { // eval: memo-quotes
    this.sku = sku;
    this.currency = currency;
    this.at = at;
    this.lines = [sku, currency, String(at)];
  }
}

class TaxRule {
  constructor(country) { this.country = country; this.rates = new Array(30).fill(0.2); }
}

// Quotes keyed by the request time: a new key every call.
const quote = memoize((sku, currency, at) => new Quote(sku, currency, at)); // eval: memo-quotes
// Tax rules keyed by one of four countries: fills once.
const taxRule = memoize((country) => new TaxRule(country));
const COUNTRIES = ['de', 'fr', 'nl', 'it'];

let n = 0;
http.createServer((req, res) => {
  n += 1;
  const q = quote('sku-' + (n % 20), 'EUR', process.hrtime.bigint().toString());
  const rule = taxRule(COUNTRIES[n % 4]);
  res.end(JSON.stringify({ sku: q.sku, rate: rule.rates[0] }));
}).listen(Number(process.env.PORT), '127.0.0.1');
