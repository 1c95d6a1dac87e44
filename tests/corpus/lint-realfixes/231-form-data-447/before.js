// lib/form_data.js of form-data 2.5, cut to append() and submit(). A service that forwards
// uploads builds a FormData per incoming request (files and buffers appended) and
// submit()s it to another service with a keep-alive agent.
var CombinedStream = require('combined-stream');
var util = require('util');
var http = require('http');
var https = require('https');
var parseUrl = require('url').parse;

module.exports = FormData;

util.inherits(FormData, CombinedStream);

function FormData(options) {
  if (!(this instanceof FormData)) {
    return new FormData(options);
  }

  this._overheadLength = 0;
  this._valueLength = 0;

  CombinedStream.call(this);

  options = options || {};
  for (var option in options) {
    this[option] = options[option];
  }
}

FormData.LINE_BREAK = '\r\n';

FormData.prototype.append = function(field, value, options) {
  var append = CombinedStream.prototype.append.bind(this);
  if (typeof value == 'number') {
    value = '' + value;
  }
  append('--' + this.getBoundary() + FormData.LINE_BREAK +
    'Content-Disposition: form-data; name="' + field + '"' + FormData.LINE_BREAK + FormData.LINE_BREAK);
  append(value);
  append(FormData.LINE_BREAK);
  if (Buffer.isBuffer(value)) {
    this._valueLength += value.length;
  }
};

FormData.prototype.submit = function(params, cb) {
  var request
    , options
    , defaults = {method: 'post'}
    ;

  if (typeof params == 'string') {
    params = parseUrl(params);
    options = Object.assign({
      port: params.port,
      path: params.pathname,
      host: params.hostname,
      protocol: params.protocol
    }, defaults);
  } else {
    options = Object.assign({}, defaults, params);
    if (!options.port) {
      options.port = options.protocol == 'https:' ? 443 : 80;
    }
  }

  options.headers = this.getHeaders(params.headers);

  if (options.protocol == 'https:') {
    request = https.request(options);
  } else {
    request = http.request(options);
  }

  this.getLength(function(err, length) {
    if (err) {
      this._error(err);
      return;
    }

    request.setHeader('Content-Length', length);

    this.pipe(request);
    if (cb) {
      request.on('error', cb);
      request.on('response', cb.bind(this, null)); // leak: closure-capture
    }
  }.bind(this));

  return request;
};
