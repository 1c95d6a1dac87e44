// Look-alike: `open()` is a plain function the host runs once; `queueConn.open()` below is
// the client's own method of the same name, not a call of this function.
const amqp = require('amqplib');

let queueConn;

async function open() {
  queueConn = await amqp.connect(process.env.QUEUE_URL);
  await queueConn.open();
}

async function close() {
  if (queueConn) await queueConn.close();
}

module.exports = { open, close };
