'use strict';

// lib/index.js of catbox-memory 2.0 (hapi's default server cache), cut to set/drop.
// Sessions and other per-user entries are set with long TTLs and dropped on logout or
// invalidation, on every such request.
const Hoek = require('hoek');

const internals = {};

internals.defaults = {
    maxByteSize: 100 * 1024 * 1024,          // 100MB
    allowMixedContent: false
};

internals.MemoryCacheSegment = function MemoryCacheSegment() {
};

internals.MemoryCacheEntry = function MemoryCacheEntry(key, value, ttl) {

    this.item = JSON.stringify(value);
    this.stored = Date.now();
    this.ttl = ttl;
    this.byteSize = 144 + Buffer.byteLength(this.item) + Buffer.byteLength(key.segment) + Buffer.byteLength(key.id);
    this.timeoutId = null;
};

exports = module.exports = internals.Connection = function MemoryCache(options) {

    this.settings = Hoek.applyToDefaults(internals.defaults, options || {});
    this.cache = null;
};

internals.Connection.prototype.start = function (callback) {

    callback = Hoek.nextTick(callback);
    if (!this.cache) {
        this.cache = {};
        this.byteSize = 0;
    }
    return callback();
};

internals.Connection.prototype.set = function (key, value, ttl, callback) {

    callback = Hoek.nextTick(callback);

    if (!this.cache) {
        return callback(new Error('Connection not started'));
    }

    if (ttl > 2147483647) {                                                         // Math.pow(2, 31)
        return callback(new Error('Invalid ttl (greater than 2147483647)'));
    }

    let envelope = null;
    try {
        envelope = new internals.MemoryCacheEntry(key, value, ttl);
    }
    catch (err) {
        return callback(err);
    }

    this.cache[key.segment] = this.cache[key.segment] || new internals.MemoryCacheSegment();
    const segment = this.cache[key.segment];

    const cachedItem = segment[key.id];
    if (cachedItem && cachedItem.timeoutId) {
        clearTimeout(cachedItem.timeoutId);
        this.byteSize -= cachedItem.byteSize;
    }

    if (this.settings.maxByteSize) {
        if (this.byteSize + envelope.byteSize > this.settings.maxByteSize) {
            return callback(new Error('Cache size limit reached'));
        }
    }

    const timeoutId = setTimeout(() => {

        this.drop(key, () => {});
    }, ttl);

    envelope.timeoutId = timeoutId;

    segment[key.id] = envelope;
    this.byteSize += envelope.byteSize;
    return callback(null);
};

internals.Connection.prototype.drop = function (key, callback) {

    callback = Hoek.nextTick(callback);

    if (!this.cache) {
        return callback(new Error('Connection not started'));
    }

    const segment = this.cache[key.segment];
    if (segment) {
        const item = segment[key.id];

        if (item) {
            clearTimeout(item.timeoutId);
            this.byteSize -= item.byteSize;
        }

        delete segment[key.id];
    }

    return callback();
};
