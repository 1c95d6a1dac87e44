'use strict';
class Adapter {
  constructor(nsp) {
    this.nsp = nsp;
    this.rooms = new Map();
    this.sids = new Map();
  }

  addAll(id, rooms) {
    if (!this.sids.has(id)) this.sids.set(id, new Set());
    for (const room of rooms) {
      this.sids.get(id).add(room);
      if (!this.rooms.has(room)) this.rooms.set(room, new Set());
      this.rooms.get(room).add(id);
    }
  }

  delAll(id) {
    const rooms = this.sids.get(id);
    if (!rooms) return;
    for (const room of rooms) {
      const members = this.rooms.get(room);
      members.delete(id);
      if (members.size === 0) this.rooms.delete(room);
    }
    this.sids.delete(id);
  }
}

class Socket {
  constructor(nsp, id) {
    this.nsp = nsp;
    this.id = id;
    this.connected = true;
  }

  join(rooms) {
    if (!this.connected) return;
    this.nsp.adapter.addAll(this.id, new Set(Array.isArray(rooms) ? rooms : [rooms]));
  }

  onclose() {
    this.connected = false;
    this.nsp.adapter.delAll(this.id);
  }
}

module.exports = { Adapter, Socket };
