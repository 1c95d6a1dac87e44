'use strict';
// `util.onResEnd(res, fn)` is a helper told about an object of this request (it listens on
// that response), not a registration with the long-lived `util` (read from session 11's
// reviews of whistle).
const util = require('./util');

module.exports = (app) => {
  app.get('/proxy', (req, res) => {
    const started = Date.now();
    util.onResEnd(res, () => {
      req.log(`took ${Date.now() - started} ms`);
    });
    res.end('ok');
  });
};
