'use strict';
// The look-alike that does leak: `onTopic(topicName, fn)` names a topic and registers the
// function with the long-lived broker on every connection, and nothing unregisters it.
const broker = require('./broker');

module.exports = (wss) => {
  wss.on('connection', (socket, req) => {
    const topicName = req.url.slice(1);
    broker.onTopic(topicName, (message) => socket.send(message)); // expect: listener-not-removed
  });
};
