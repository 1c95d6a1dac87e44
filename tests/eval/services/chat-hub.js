'use strict';
// A chat hub built on an EventEmitter subclass. Plain node http.
const http = require('http');
const { EventEmitter } = require('events');

class Room extends EventEmitter {
  constructor(name) {
    super();
    this.name = name;
    this.setMaxListeners(0);
  }
  broadcast(message) {
    this.emit('message', message);
  }
}

class Subscriber { // eval: room-subscribers
  constructor(userId, room) { // eval: room-subscribers
    this.userId = userId;
    this.inbox = [];
    this.profile = { name: 'user-' + userId, tags: ['new', 'web', 'eu'] };
    this.onMessage = (message) => {
      if (this.inbox.length < 3) this.inbox.push(message.text);
    };
    room.on('message', this.onMessage); // eval: room-subscribers
  }
}

// Typing indicator: removed again when the request ends.
class TypingIndicator {
  constructor(userId, room) {
    this.userId = userId;
    this.since = Date.now();
    this.room = room;
    this.onTyping = () => { this.since = Date.now(); };
    room.on('typing', this.onTyping);
  }
  stop() {
    this.room.removeListener('typing', this.onTyping);
  }
}

const lobby = new Room('lobby');
let nextUser = 0;

http.createServer((req, res) => {
  const userId = ++nextUser;
  const typing = new TypingIndicator(userId, lobby);
  res.on('close', () => typing.stop());
  if (req.url.startsWith('/join')) new Subscriber(userId, lobby);
  lobby.emit('typing');
  if (userId % 50 === 0) lobby.broadcast({ from: userId, text: 'hello from ' + userId });
  res.end('joined');
}).listen(Number(process.env.PORT), '127.0.0.1');
