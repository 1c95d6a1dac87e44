'use strict';

// mysql2's server side: a net server that speaks the MySQL protocol and
// hands every accepted socket to the application as a Connection.
const net = require('net');
const util = require('util');
const { EventEmitter } = require('events');

function ConnectionConfig(options) {
  this.stream = options.stream;
  this.isServer = options.isServer;
}

function Connection(options) {
  EventEmitter.call(this);
  this.config = options.config;
  this.stream = options.config.stream;
  this.stream.on('data', (chunk) => this.emit('packet', chunk));
  this.stream.on('close', () => this.emit('end'));
}
util.inherits(Connection, EventEmitter);

function Server() {
  EventEmitter.call(this);
  this.connections = [];
  this._server = net.createServer(this._handleConnection.bind(this));
}
util.inherits(Server, EventEmitter);

Server.prototype._handleConnection = function (socket) {
  const config = new ConnectionConfig({ stream: socket, isServer: true });
  const connection = new Connection({ config: config });
  this.emit('connection', connection);
  // Nothing ever takes a connection out, not even after its socket closed.
  this.connections.push(connection); // leak: unbounded-collection
};

Server.prototype.listen = function (port, host, backlog, callback) {
  this._server.listen.apply(this._server, arguments);
  return this;
};

Server.prototype.close = function (cb) {
  this._server.close(cb);
};

module.exports = Server;
