'use strict';

// mysql2: a Query command. When the server asks for a LOCAL INFILE, the
// command streams a local file to it over the connection. Connections are
// long-lived (pooled) and run many queries one after another.
const fs = require('fs');
const { EventEmitter } = require('events');

const EmptyPacket = Buffer.alloc(4);

class Command extends EventEmitter {}

class Query extends Command {
  constructor(options) {
    super();
    this.sql = options.sql;
    this._streamFactory = options.infileStreamFactory;
    this._localStream = null;
    this._unpipeStream = function () {};
  }

  start(_packet, connection) {
    connection.writePacket(Buffer.from(this.sql));
    return Query.prototype.resultsetHeader;
  }

  resultsetHeader(packet, connection) {
    if (packet.infileName) {
      this._localStream = this._findOrCreateReadStream(packet.infileName);
      this._streamLocalInfile(connection);
      return this.infileOk;
    }
    return this.done();
  }

  infileOk() {
    return this.done();
  }

  done() {
    this._unpipeStream();
    this.emit('end');
    return null;
  }

  _findOrCreateReadStream(path) {
    if (this._streamFactory) {
      return this._streamFactory(path);
    }
    return fs.createReadStream(path, { flag: 'r', encoding: null, autoClose: true });
  }

  _streamLocalInfile(connection) {
    const onConnectionError = () => {
      this._unpipeStream();
    };
    const onDrain = () => {
      this._localStream.resume();
    };
    const onPause = () => {
      this._localStream.pause();
    };
    const onData = (data) => {
      const withHeader = Buffer.allocUnsafe(data.length + 4);
      data.copy(withHeader, 4);
      connection.writePacket(withHeader);
    };
    const onEnd = () => {
      connection.removeListener('error', onConnectionError);
      connection.writePacket(EmptyPacket);
    };
    const onError = (err) => {
      this._localStreamError = err;
      connection.removeListener('error', onConnectionError);
      connection.writePacket(EmptyPacket);
    };
    this._unpipeStream = () => {
      connection.stream.removeListener('pause', onPause);
      connection.stream.removeListener('drain', onDrain);
      this._localStream.removeListener('data', onData);
      this._localStream.removeListener('end', onEnd);
      this._localStream.removeListener('error', onError);
    };
    connection.stream.on('pause', onPause);
    connection.stream.on('drain', onDrain);
    this._localStream.on('data', onData);
    this._localStream.on('end', onEnd);
    this._localStream.on('error', onError);
    connection.once('error', onConnectionError);
  }
}

module.exports = Query;
