'use strict';
// Look-alike: the handler stops the connection's previous interval before starting one.
const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({ port: 0 });

wss.on('connection', (socket) => {
  socket.on('message', (raw) => follow(socket, JSON.parse(raw)));
  socket.on('close', () => clearInterval(socket.state.feed));
});

function follow(socket, request) {
  clearInterval(socket.state.feed);
  socket.state.feed = setInterval(() => socket.send(request.topic), 1000);
}

module.exports = { wss };
