// Betfair Sports API client (SOAP over HTTPS). Every API call (list markets,
// get prices, place bets...) creates one BetfairInvocation, executes it and
// gets the decoded result in a callback. Trading bots make many calls a second.
var url = require('url');
var https = require('https');
var util = require('util');
var Stream = require('stream');

var encoder = require('./betfair_encoder.js');
var decoder = require('./betfair_decoder.js');

var services = {
  global: 'https://api.betfair.com/global/v3/BFGlobalService',
  uk_exchange: 'https://api.betfair.com/exchange/v5/BFExchangeService',
};
var schemas = {
  global: 'http://www.betfair.com/publicapi/v3/BFGlobalService/',
  exchange: 'http://www.betfair.com/publicapi/v5/BFExchangeService/',
};

exports.services = services;
exports.invocation = newInvocation;

function newInvocation(service, action, request) {
  return new BetfairInvocation(service, action, request);
}

function BetfairInvocation(service, action, request) {
  // No declaration: `self` is a property of the global object, overwritten
  // by every call and keeping the latest invocation (request, XML bodies,
  // callback) alive after it finished.
  self = this; // leak: global-growth

  self.service = service;
  self.schema = service === services.global ? schemas.global : schemas.exchange;
  self.action = action;
  self.request = request;
  self.result = undefined;
  self.retries = 0;
  self.xmlRequestBody = '';
  self.xmlResponseBody = '';
  self.readable = false;
  self.writable = true;
  self.startDate = new Date();
}
util.inherits(BetfairInvocation, Stream);

BetfairInvocation.prototype.execute = function (callback) {
  var self = this;
  self.callback = callback;
  ++self.retries;

  this.xmlRequestBody = encoder.encode(this.action, this.schema, this.request);
  var parsedUrl = url.parse(this.service);
  var req = https.request({
    host: parsedUrl.hostname,
    port: 443,
    path: parsedUrl.pathname,
    method: 'POST',
    headers: { SOAPAction: this.action, 'Content-Length': this.xmlRequestBody.length },
  }, function (res) {
    res.setEncoding('utf8');
    res.on('data', function (chunk) {
      self.xmlResponseBody += chunk;
    });
    res.on('end', function () {
      self.result = decoder.decode(self.action, self.xmlResponseBody);
      self.callback(null, self);
    });
  });
  req.on('error', function (err) {
    self.callback(err, self);
  });
  req.end(this.xmlRequestBody);
};
