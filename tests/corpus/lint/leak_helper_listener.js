const bus = require('./bus');

function subscribeClient(clientId, send) {
  bus.addListener('message', (msg) => { // expect: listener-not-removed
    if (msg.to === clientId) send(msg);
  });
}

module.exports = function route(app) {
  app.post('/subscribe', (req, res) => {
    subscribeClient(req.query.id, (msg) => res.write(JSON.stringify(msg)));
  });
};
