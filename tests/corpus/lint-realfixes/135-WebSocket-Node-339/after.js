var EventEmitter = require('events').EventEmitter;
var util = require('util');
var WebSocketRequest = require('./WebSocketRequest');

// Several WebSocketServers can be mounted on one http server; each sees every
// upgrade, and only the one that accepts or rejects a request resolves it.
function WebSocketServer(config) {
    EventEmitter.call(this);
    this.config = config;
    this._handlers = {
        upgrade: this.handleUpgrade.bind(this),
        requestAccepted: this.handleRequestAccepted.bind(this),
        requestResolved: this.handleRequestResolved.bind(this)
    };
    this.connections = [];
    this.pendingRequests = [];
    config.httpServer.on('upgrade', this._handlers.upgrade);
}

util.inherits(WebSocketServer, EventEmitter);

WebSocketServer.prototype.handleUpgrade = function (request, socket) {
    var self = this;
    var wsRequest = new WebSocketRequest(socket, request, this.config);
    try {
        wsRequest.readHandshake();
    } catch (e) {
        wsRequest.reject(400, e.message);
        return;
    }

    this.pendingRequests.push(wsRequest);

    wsRequest.once('requestAccepted', this._handlers.requestAccepted);
    wsRequest.once('requestResolved', this._handlers.requestResolved);
    // a request another server handled is dropped when its socket closes
    socket.once('close', function () {
        self._handlers.requestResolved(wsRequest);
    });

    this.emit('request', wsRequest);
};

WebSocketServer.prototype.handleRequestAccepted = function (connection) {
    this.connections.push(connection);
};

WebSocketServer.prototype.handleRequestResolved = function (request) {
    var index = this.pendingRequests.indexOf(request);
    if (index !== -1) { this.pendingRequests.splice(index, 1); }
};

module.exports = WebSocketServer;
