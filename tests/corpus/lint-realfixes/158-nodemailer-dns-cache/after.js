'use strict';

const dns = require('dns');
const net = require('net');

const DNS_TTL = 5 * 60 * 1000;
const CACHE_CLEANUP_INTERVAL = 30 * 1000; // at most one sweep every 30 seconds
const MAX_CACHE_SIZE = 1000;

let lastCacheCleanup = 0;

// one cache for the whole process: every SMTP transport resolves its host through it
const dnsCache = (module.exports.dnsCache = new Map());

const resolver = (family, hostname, options, callback) => {
    const lookup = family === 4 ? dns.resolve4 : dns.resolve6;
    lookup(hostname, (err, addresses) => {
        if (err) {
            if (err.code === dns.NODATA || err.code === dns.NOTFOUND) {
                return callback(null, []);
            }
            return callback(err);
        }
        return callback(null, Array.isArray(addresses) ? addresses : [].concat(addresses || []));
    });
};

const formatDNSValue = (value, extra) => {
    if (!value) {
        return Object.assign({}, extra || {});
    }
    const addresses = value.addresses || [];
    return Object.assign(
        {
            servername: value.servername,
            host: addresses.length ? addresses[Math.floor(Math.random() * addresses.length)] : null
        },
        extra || {}
    );
};

// sweep lazily, without a background timer, so the process can still exit cleanly
const pruneDnsCache = now => {
    if (now - lastCacheCleanup <= CACHE_CLEANUP_INTERVAL) {
        return;
    }
    lastCacheCleanup = now;

    for (const [host, entry] of dnsCache.entries()) {
        if (entry.expires && entry.expires < now) {
            dnsCache.delete(host);
        }
    }

    // still too big: drop the oldest tenth (a Map iterates in insertion order)
    if (dnsCache.size > MAX_CACHE_SIZE) {
        const oldest = Array.from(dnsCache.keys()).slice(0, Math.floor(MAX_CACHE_SIZE * 0.1));
        oldest.forEach(host => dnsCache.delete(host));
    }
};

module.exports.resolveHostname = (options, callback) => {
    options = options || {};

    if (!options.host || net.isIP(options.host)) {
        return callback(null, formatDNSValue({ addresses: [options.host], servername: options.servername || false }, { cached: false }));
    }

    let cached;
    if (dnsCache.has(options.host)) {
        cached = dnsCache.get(options.host);

        const now = Date.now();
        pruneDnsCache(now);

        if (!cached.expires || cached.expires >= now) {
            return callback(null, formatDNSValue(cached.value, { cached: true }));
        }
    }

    resolver(4, options.host, options, (err, addresses) => {
        if (err) {
            if (cached) {
                dnsCache.set(options.host, {
                    value: cached.value,
                    expires: Date.now() + (options.dnsTtl || DNS_TTL)
                });
                return callback(null, formatDNSValue(cached.value, { cached: true, error: err }));
            }
            return callback(err);
        }

        if (addresses && addresses.length) {
            let value = {
                addresses,
                servername: options.servername || options.host
            };

            dnsCache.set(options.host, {
                value,
                expires: Date.now() + (options.dnsTtl || DNS_TTL)
            });

            return callback(null, formatDNSValue(value, { cached: false }));
        }

        resolver(6, options.host, options, (err, addresses) => {
            if (err) {
                return callback(err);
            }

            if (addresses && addresses.length) {
                let value = {
                    addresses,
                    servername: options.servername || options.host
                };

                dnsCache.set(options.host, {
                    value,
                    expires: Date.now() + (options.dnsTtl || DNS_TTL)
                });

                return callback(null, formatDNSValue(value, { cached: false }));
            }

            return callback(new Error('No addresses for ' + options.host));
        });
    });
};
