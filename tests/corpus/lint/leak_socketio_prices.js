const { Server } = require('socket.io');
const prices = require('./price-feed');

const io = new Server(3002);

io.on('connection', (socket) => {
  const onPrice = (price) => socket.emit('price', price);
  prices.on('update', onPrice); // expect: listener-not-removed
  socket.on('disconnect', () => console.log('bye', socket.id));
});
