const { WebSocketServer } = require('ws');
const feed = require('./feed');

const wss = new WebSocketServer({ port: 8081 });

wss.on('connection', (socket) => {
  feed.on('tick', (tick) => socket.send(JSON.stringify(tick))); // expect: listener-not-removed
  socket.on('message', (data) => {
    feed.emit('order', JSON.parse(data));
  });
});
