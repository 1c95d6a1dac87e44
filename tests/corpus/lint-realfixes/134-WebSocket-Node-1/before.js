var EventEmitter = require('events').EventEmitter;
var util = require('util');

// One WebSocketConnection per accepted client socket.
function WebSocketConnection(socket, config) {
    EventEmitter.call(this);
    this.socket = socket;
    this.config = config;
    this.connected = true;
    this.closeEventEmitted = false;

    this.socket.on('data', this.handleSocketData.bind(this));
    this.socket.on('close', this.handleSocketClose.bind(this));

    if (this.config.keepalive) {
        this._pingIntervalID = setInterval(this.ping.bind(this), this.config.keepaliveInterval); // leak: timer-leak
    }
}

util.inherits(WebSocketConnection, EventEmitter);

WebSocketConnection.prototype.handleSocketData = function (data) {
    this.emit('message', data);
};

WebSocketConnection.prototype.handleSocketClose = function (hadError) {
    this.socketHadError = hadError;
    this.connected = false;
    if (!this.closeEventEmitted) {
        this.closeEventEmitted = true;
        this.emit('close', this);
    }
};

WebSocketConnection.prototype.ping = function () {
    this.socket.write(Buffer.from([0x89, 0x00]));
};

module.exports = WebSocketConnection;
