'use strict';

const dns = require('dns');
const net = require('net');

const DNS_TTL = 5 * 60 * 1000;

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

module.exports.resolveHostname = (options, callback) => {
    options = options || {};

    if (!options.host || net.isIP(options.host)) {
        return callback(null, formatDNSValue({ addresses: [options.host], servername: options.servername || false }, { cached: false }));
    }

    let cached;
    if (dnsCache.has(options.host)) {
        cached = dnsCache.get(options.host);

        if (!cached.expires || cached.expires >= Date.now()) {
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

            dnsCache.set(options.host, { // leak: unbounded-cache
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

                dnsCache.set(options.host, { // leak: unbounded-cache
                    value,
                    expires: Date.now() + (options.dnsTtl || DNS_TTL)
                });

                return callback(null, formatDNSValue(value, { cached: false }));
            }

            return callback(new Error('No addresses for ' + options.host));
        });
    });
};
