'use strict';
function Cache() {
  let cache = Object.create(null);
  let size = 0;

  this.put = function (key, value, time) {
    if (!cache[key]) size++;
    const record = { value, expire: time + Date.now() };
    if (!isNaN(record.expire)) {
      record.timeout = setTimeout(() => this.del(key), time); // leak: timer-leak
    }
    cache[key] = record;
    return value;
  };

  this.del = function (key) {
    const old = cache[key];
    if (!old) return false;
    clearTimeout(old.timeout);
    size--;
    delete cache[key];
    return true;
  };

  this.get = function (key) {
    const data = cache[key];
    return data ? data.value : null;
  };
}

module.exports = new Cache();
