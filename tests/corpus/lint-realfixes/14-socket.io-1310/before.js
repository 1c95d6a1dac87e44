'use strict';
function SocketNamespace(manager, name) {
  this.manager = manager;
  this.name = name;
  this.ackPackets = 0;
  this.acks = {};
}

SocketNamespace.prototype.packet = function (packet) {
  this.manager.send(this.name, packet);
};

SocketNamespace.prototype.emit = function (name, ...args) {
  const packet = { type: 'event', name, args };
  const last = args[args.length - 1];
  if (typeof last === 'function') {
    packet.id = ++this.ackPackets;
    packet.ack = 'data';
    this.acks[packet.id] = last; // leak: unbounded-collection
    packet.args = args.slice(0, -1);
  }
  this.packet(packet);
  return this;
};

SocketNamespace.prototype.onPacket = function (packet) {
  if (packet.type === 'ack' && this.acks[packet.ackId]) {
    this.acks[packet.ackId].apply(this, packet.args);
  }
};

module.exports = SocketNamespace;
