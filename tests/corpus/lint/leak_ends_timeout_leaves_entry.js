// A module-level table of outstanding lookups: the reply handler takes each one out, but a
// lookup that times out is rejected and left in the table for good.
const dgram = require('dgram');

const socket = dgram.createSocket('udp4');
const outstanding = new Map();
let nextTag = 0;

function lookup(host) {
  const tag = ++nextTag;
  return new Promise(function (done, fail) {
    outstanding.set(tag, { done, host }); // expect: module-collection-growth
    setTimeout(function () {
      fail(new Error('no answer for ' + host));
    }, 3000);
    socket.send(JSON.stringify({ tag, host }), 5353, '127.0.0.1');
  });
}

socket.on('message', (raw) => {
  const answer = JSON.parse(raw);
  const entry = outstanding.get(answer.tag);
  if (!entry) return;
  outstanding.delete(answer.tag);
  entry.done(answer.address);
});

module.exports = { lookup };
