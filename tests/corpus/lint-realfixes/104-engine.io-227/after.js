'use strict';

// engine.io server: the transport layer under socket.io. Every client
// handshake creates a Socket, which the server tracks by id until it closes.
const { EventEmitter } = require('events');
const util = require('util');
const base64id = require('base64id');
const transports = require('./transports');
const Socket = require('./socket');

function Server(opts) {
  EventEmitter.call(this);
  this.clients = {};
  this.clientsCount = 0;
  opts = opts || {};
  this.pingTimeout = opts.pingTimeout || 60000;
  this.pingInterval = opts.pingInterval || 25000;
  this.cookie = opts.cookie !== false ? opts.cookie || 'io' : false;
}
util.inherits(Server, EventEmitter);

// Runs once per connecting client.
Server.prototype.handshake = function (transportName, req) {
  const id = base64id.generateId();
  let transport;
  try {
    transport = new transports[transportName](req);
    transport.supportsBinary = !(req.query && req.query.b64);
  } catch (e) {
    req.res.writeHead(400);
    req.res.end();
    return;
  }

  const socket = new Socket(id, this, transport, req);
  const self = this;

  if (this.cookie !== false) {
    transport.on('headers', function (headers) {
      headers['Set-Cookie'] = self.cookie + '=' + id;
    });
  }

  transport.onRequest(req);

  this.clients[id] = socket;
  this.clientsCount++;

  // Registered before the application sees the socket, so even a socket
  // closed by a 'connection' handler is taken out again.
  socket.once('close', function () {
    delete self.clients[id];
    self.clientsCount--;
  });

  this.emit('connection', socket);
};

module.exports = Server;
