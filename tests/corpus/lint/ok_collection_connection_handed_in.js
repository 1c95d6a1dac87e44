// The same relay, forgetting a peer when its socket closes.
function Relay(wss) {
  this.peers = {};
  wss.on('connection', (ws) => {
    ws.on('message', this.onHello.bind(this, ws));
  });
}

Relay.prototype.onHello = function (ws, raw) {
  const hello = JSON.parse(raw);
  this.peers[hello.id] = ws;
  ws.once('close', () => { delete this.peers[hello.id]; });
  ws.send(JSON.stringify({ welcome: hello.id }));
};

Relay.prototype.route = function (to, payload) {
  if (this.peers[to]) this.peers[to].send(payload);
};

module.exports = Relay;
