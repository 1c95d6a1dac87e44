'use strict';
const crypto = require('crypto');
const bisect = require('./bisect');

function HashRing(servers) {
  this.servers = servers;
  this.ring = {};
  this.cache = {};
  this.sortedKeys = [];
  this.generateRing();
}

HashRing.prototype.generateRing = function () {
  for (const server of this.servers) {
    for (let i = 0; i < 40; i++) {
      const key = this.hashKey(server + '-' + i);
      this.ring[key] = server;
      this.sortedKeys.push(key);
    }
  }
  this.sortedKeys.sort();
};

HashRing.prototype.hashKey = function (str) {
  return crypto.createHash('md5').update(String(str)).digest('hex');
};

HashRing.prototype.getNode = function (key) {
  if (this.cache[key]) return this.cache[key];
  const position = bisect(this.sortedKeys, this.hashKey(key)) % this.sortedKeys.length;
  const node = this.ring[this.sortedKeys[position]];
  if (!node) return false;
  return this.cache[key] = node; // leak: unbounded-cache
};

HashRing.prototype.addServer = function (server) {
  this.servers.push(server);
  this.ring = {};
  this.cache = {};
  this.sortedKeys = [];
  this.generateRing();
};

module.exports = HashRing;
