'use strict';

// One EntryPoint, one Router and one SocketIoProtocol per server; a
// ClientConnection is made for every socket that connects.
class Router {
  constructor() {
    this.connections = new Map();
  }

  newConnection(context) {
    this.connections.set(context.connection.id, context); // leak: unbounded-collection
  }

  removeConnection(context) {
    this.connections.delete(context.connection.id);
  }
}

class EntryPoint {
  constructor(kuzzle) {
    this.kuzzle = kuzzle;
    this.router = new Router();
    this.clients = {};
  }

  newConnection(connection) {
    this.clients[connection.id] = connection;
    this.kuzzle.emit('connection:new', connection);
    this.router.newConnection({ connection });
  }

  removeConnection(connectionId) {
    const connection = this.clients[connectionId];

    // unknown connections are skipped
    if (connection) {
      this.kuzzle.emit('connection:remove', connection);
      this.router.removeConnection({ connection });
      delete this.clients[connectionId];
    }
  }
}

class SocketIoProtocol {
  constructor(entryPoint) {
    this.entryPoint = entryPoint;
    this.sockets = {};
  }

  onConnection(socket, connection) {
    this.entryPoint.newConnection(connection);
    this.sockets[connection.id] = socket;

    socket.on('disconnect', () => this.onClientDisconnection(connection.id));
  }

  onClientDisconnection(clientId) {
    if (this.sockets[clientId]) {
      delete this.sockets[clientId];
      // removes the entry removeConnection needs, so it returns early
      delete this.entryPoint.clients[clientId];

      return this.entryPoint.removeConnection(clientId);
    }
  }
}

module.exports = { Router, EntryPoint, SocketIoProtocol };
