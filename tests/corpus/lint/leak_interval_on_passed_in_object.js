'use strict';
// A per-message handler keeps an interval on the connection it was handed; the next such
// message replaces the handle while the first interval still runs.
const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({ port: 0 });

wss.on('connection', (socket) => {
  socket.on('message', (raw) => follow(socket, JSON.parse(raw)));
  socket.on('close', () => clearInterval(socket.state.feed));
});

function follow(socket, request) {
  socket.state.feed = setInterval(() => socket.send(request.topic), 1000); // expect: timer-overwritten
}

module.exports = { wss };
