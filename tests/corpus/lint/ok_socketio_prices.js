const { Server } = require('socket.io');
const prices = require('./price-feed');

const io = new Server(3002);

io.on('connection', (socket) => {
  const onPrice = (price) => socket.emit('price', price);
  prices.on('update', onPrice);
  socket.on('disconnect', () => prices.off('update', onPrice));
});
