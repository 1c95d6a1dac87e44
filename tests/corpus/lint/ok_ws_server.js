const { WebSocketServer } = require('ws');
const feed = require('./feed');

const wss = new WebSocketServer({ port: 8081 });

wss.on('connection', (socket) => {
  const onTick = (tick) => socket.send(JSON.stringify(tick));
  feed.on('tick', onTick);
  socket.on('close', () => feed.removeListener('tick', onTick));
  socket.on('message', (data) => feed.emit('order', JSON.parse(data)));
});
