// A relay keeps every peer it is handed by id so that messages can be routed to it; no
// handler ever forgets one, so each connection stays in `this.peers` after it is gone.
function Relay(wss) {
  this.peers = {};
  wss.on('connection', (ws) => {
    ws.on('message', this.onHello.bind(this, ws));
  });
}

Relay.prototype.onHello = function (ws, raw) {
  const hello = JSON.parse(raw);
  this.peers[hello.id] = ws; // expect: field-collection-growth
  ws.send(JSON.stringify({ welcome: hello.id }));
};

Relay.prototype.route = function (to, payload) {
  if (this.peers[to]) this.peers[to].send(payload);
};

module.exports = Relay;
