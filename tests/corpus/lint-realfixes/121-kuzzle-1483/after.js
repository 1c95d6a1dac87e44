'use strict';

// One EntryPoint, one Router and one SocketIoProtocol per server; a
// ClientConnection is made for every socket that connects.
class Router {
  constructor() {
    this.connections = new Map();
  }

  newConnection(context) {
    this.connections.set(context.connection.id, context);
  }

  removeConnection(context) {
    this.connections.delete(context.connection.id);
  }
}

class EntryPoint {
  constructor(kuzzle) {
    this.kuzzle = kuzzle;
    this.router = new Router();
    this._clients = new Map();
  }

  newConnection(connection) {
    this._clients.set(connection.id, connection);
    this.kuzzle.emit('connection:new', connection);
    this.router.newConnection({ connection });
  }

  removeConnection(connectionId) {
    const connection = this._clients.get(connectionId);

    // unknown connections are skipped
    if (connection) {
      this.kuzzle.emit('connection:remove', connection);
      this.router.removeConnection({ connection });
      this._clients.delete(connectionId);
    }
  }
}

class SocketIoProtocol {
  constructor(entryPoint) {
    this.entryPoint = entryPoint;
    this.sockets = new Map();
  }

  onConnection(socket, connection) {
    this.entryPoint.newConnection(connection);
    this.sockets.set(connection.id, socket);

    socket.on('disconnect', () => this.onClientDisconnection(connection.id));
  }

  onClientDisconnection(clientId) {
    if (this.sockets.has(clientId)) {
      this.sockets.delete(clientId);
      // the entry point removes its own entry along with everything else
      this.entryPoint.removeConnection(clientId);
    }
  }
}

module.exports = { Router, EntryPoint, SocketIoProtocol };
