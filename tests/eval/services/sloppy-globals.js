// Script-style service that keeps its state on the global object. Plain node http.
var http = require('http');

function Timing(id, path) { // eval: request-timings
  this.id = id;
  this.path = path;
  this.start = Date.now();
  this.marks = ['parse', 'route', 'respond'];
}

function AppConfig() {
  this.name = 'timings';
  this.flags = new Array(100).fill(true);
}

global.appConfig = global.appConfig || new AppConfig();
global.requestTimings = global.requestTimings || {};
global.lastRequestInfo = null;

function LastRequest(id, url) {
  this.id = id;
  this.url = url;
  this.headers = new Array(10).fill(url);
}

var nextId = 0;
http.createServer(function (req, res) {
  nextId++;
  var id = 'req-' + nextId + '-' + Math.random().toString(36).slice(2);
  requestTimings[id] = new Timing(id, req.url); // eval: request-timings
  lastRequestInfo = new LastRequest(id, req.url);
  res.end(appConfig.name + ' ' + id);
}).listen(Number(process.env.PORT), '127.0.0.1');
