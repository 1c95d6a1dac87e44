'use strict';

// socket.io's in-memory adapter: one per namespace, for the life of the
// server. It maps rooms to socket ids and socket ids to their rooms.
const Emitter = require('events').EventEmitter;

function Room() {
  if (!(this instanceof Room)) return new Room();
  this.sockets = {};
  this.length = 0;
}

Room.prototype.add = function (id) {
  if (!Object.prototype.hasOwnProperty.call(this.sockets, id)) {
    this.sockets[id] = true;
    this.length++;
  }
};

Room.prototype.del = function (id) {
  if (Object.prototype.hasOwnProperty.call(this.sockets, id)) {
    delete this.sockets[id];
    this.length--;
  }
};

function Adapter(nsp) {
  this.nsp = nsp;
  this.rooms = {};
  this.sids = {};
}

Object.setPrototypeOf(Adapter.prototype, Emitter.prototype);

Adapter.prototype.addAll = function (id, rooms, fn) {
  for (const room of rooms) {
    this.sids[id] = this.sids[id] || {};
    this.sids[id][room] = true;
    this.rooms[room] = this.rooms[room] || Room();
    this.rooms[room].add(id);
  }
  if (fn) process.nextTick(fn.bind(null, null));
};

// Called by socket.leave(room); a socket that is already gone has no entry
// and gets none.
Adapter.prototype.del = function (id, room, fn) {
  if (this.sids[id]) delete this.sids[id][room];
  if (Object.prototype.hasOwnProperty.call(this.rooms, room)) {
    this.rooms[room].del(id);
    if (this.rooms[room].length === 0) delete this.rooms[room];
  }
  if (fn) process.nextTick(fn.bind(null, null));
};

// Called when a socket disconnects.
Adapter.prototype.delAll = function (id, fn) {
  const rooms = this.sids[id];
  if (rooms) {
    for (const room in rooms) {
      if (Object.prototype.hasOwnProperty.call(this.rooms, room)) {
        this.rooms[room].del(id);
        if (this.rooms[room].length === 0) delete this.rooms[room];
      }
    }
  }
  delete this.sids[id];
  if (fn) process.nextTick(fn.bind(null, null));
};

module.exports = Adapter;
