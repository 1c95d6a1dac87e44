'use strict';
// Chat server on ws: per-connection class, rooms held by a singleton hub (CommonJS, callbacks).
const http = require('http');
const { WebSocketServer } = require('ws');
const { EventEmitter } = require('events');

const hub = new EventEmitter();
hub.setMaxListeners(0);

class Room {
  constructor(name) {
    this.name = name;
    this.members = new Set();
    this.backlog = [];
  }

  join(conn) {
    this.members.add(conn); // ok: unbounded-collection
  }

  leave(conn) {
    this.members.delete(conn);
  }

  say(from, text) {
    this.backlog.push({ from, text, at: Date.now() }); // ok: unbounded-collection
    if (this.backlog.length > 200) this.backlog.splice(0, this.backlog.length - 200);
    for (const m of this.members) m.send({ type: 'msg', from, text });
  }
}

class Rooms {
  constructor() {
    this.byName = new Map();
    this.typing = new Map();
  }

  get(name) {
    let room = this.byName.get(name);
    if (!room) {
      room = new Room(name);
      this.byName.set(name, room); // leak: unbounded-collection
    }
    return room;
  }

  startTyping(user, room) {
    this.typing.set(`${room}:${user}`, Date.now()); // ok: unbounded-collection
    setTimeout(() => this.typing.delete(`${room}:${user}`), 3000); // ok: timer-leak
  }
}

const rooms = new Rooms();

class Connection {
  constructor(socket, user) {
    this.socket = socket;
    this.user = user;
    this.rooms = new Set();
    this.onBroadcast = (msg) => this.send(msg);
    hub.on('broadcast', this.onBroadcast); // ok: listener-leak
    hub.on('shutdown', () => this.socket.close(1001)); // leak: listener-leak
    this.ping = setInterval(() => socket.ping(), 25_000); // ok: timer-leak
    socket.on('message', (data) => this.onMessage(data)); // ok: listener-leak
    socket.on('close', () => this.dispose());
  }

  send(msg) {
    if (this.socket.readyState === 1) this.socket.send(JSON.stringify(msg));
  }

  onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (e) {
      return this.send({ type: 'error', error: 'bad json' });
    }
    if (msg.type === 'join') {
      const room = rooms.get(msg.room);
      room.join(this);
      this.rooms.add(room);
    } else if (msg.type === 'say') {
      for (const room of this.rooms) room.say(this.user, msg.text);
    } else if (msg.type === 'typing') {
      rooms.startTyping(this.user, msg.room);
    } else if (msg.type === 'watch') {
      this.watch = setInterval(() => this.send({ type: 'presence', n: this.rooms.size }), 5000); // leak: timer-leak
    }
  }

  dispose() {
    clearInterval(this.ping);
    hub.removeListener('broadcast', this.onBroadcast);
    for (const room of this.rooms) room.leave(this);
    this.rooms.clear();
  }
}

const server = http.createServer((req, res) => {
  res.writeHead(426);
  res.end('upgrade required');
});

const wss = new WebSocketServer({ server });
wss.on('connection', (socket, req) => { // ok: listener-leak
  const user = new URL(req.url, 'http://localhost').searchParams.get('user') || 'anon';
  new Connection(socket, user);
});

server.listen(process.env.PORT || 8080, () => {
  console.log('chat listening');
});
