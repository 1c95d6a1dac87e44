'use strict';
function Collection(name, conn) {
  this.name = name;
  this.conn = conn;
  this.buffer = true;
  this.queue = [];
  conn.on('open', () => this.onOpen());
}

Collection.prototype.onOpen = function () {
  this.buffer = false;
  for (let i = 0; i < this.queue.length; i++) {
    this[this.queue[i][0]].apply(this, this.queue[i][1]);
  }
};

Collection.prototype.addQueue = function (name, args) {
  this.queue.push([name, args]); // leak: unbounded-collection
  return this;
};

Collection.prototype.find = function (...args) {
  if (this.buffer) return this.addQueue('find', args);
  return this.conn.db.collection(this.name).find(...args);
};

module.exports = Collection;
