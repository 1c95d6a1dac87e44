'use strict';

var crypto = require('crypto');
var zlib = require('zlib');

var assert = require('assert-plus');
var once = require('once');
var errors = require('restify-errors');

var BadDigestError = errors.BadDigestError;
var PayloadTooLargeError = errors.PayloadTooLargeError;

var MD5_MSG = "Content-MD5 '%s' didn't match '%s'";

function createBodyWriter(req) {
    var buffers = [];
    var contentType = req.contentType();
    var isText = !contentType || contentType === 'application/json' ||
        contentType.substr(0, 5) === 'text/';

    req.body = Buffer.alloc(0);
    return {
        write: function write(chunk) {
            buffers.push(chunk);
        },
        end: function end() {
            req.body = Buffer.concat(buffers);
            if (isText) {
                req.body = req.body.toString('utf8');
            }
        }
    };
}

// The plugin's handler runs for every request with a body; with keep-alive
// many requests arrive on one socket.
function bodyReader(options) {
    var opts = options || {};
    assert.object(opts, 'opts');

    var maxBodySize = opts.maxBodySize || 0;

    function readBody(req, res, originalNext) {
        var next = once(originalNext);

        if (req._readBody) {
            next();
            return;
        } else {
            req._readBody = true;
        }

        if (req.getContentLength() === 0 && !req.isChunked()) {
            next();
            return;
        }
        var bodyWriter = createBodyWriter(req);

        var bytesReceived = 0;
        var digest;
        var gz;
        var hash;
        var md5;

        if ((md5 = req.headers['content-md5'])) {
            hash = crypto.createHash('md5');
        }

        function done() {
            bodyWriter.end();

            if (maxBodySize && bytesReceived > maxBodySize) {
                next(new PayloadTooLargeError('Request body size exceeds ' + maxBodySize));
                return;
            }

            if (hash && md5 !== (digest = hash.digest('base64'))) {
                next(new BadDigestError(MD5_MSG, md5, digest));
                return;
            }

            next();
        }

        if (req.headers['content-encoding'] === 'gzip') {
            gz = zlib.createGunzip();
            gz.on('data', bodyWriter.write);
            gz.once('end', done);
            req.once('end', gz.end.bind(gz));
        } else {
            req.once('end', done);
        }

        req.on('data', function onRequestData(chunk) {
            if (maxBodySize) {
                bytesReceived += chunk.length;
                if (bytesReceived > maxBodySize) {
                    return;
                }
            }
            if (hash) {
                hash.update(chunk, 'binary');
            }
            if (gz) {
                gz.write(chunk);
            } else {
                bodyWriter.write(chunk);
            }
        });

        req.once('error', next);
        // don't keep the request (and its body) forever when a client stops
        // sending half way through a POST
        req.socket.once('close', next); // leak: listener-leak
        req.once('aborted', next);
        req.resume();
    }

    return readBody;
}

module.exports = bodyReader;
