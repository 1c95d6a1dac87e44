'use strict';
// Look-alike: the list on the application is capped where it grows.
function mountAudit(app) {
  app.locals.denied = [];
  app.use((req, res, next) => {
    if (!req.headers.authorization) {
      app.locals.denied.push({ path: req.path, at: Date.now() });
      if (app.locals.denied.length > 100) app.locals.denied.shift();
      res.status(401).end();
      return;
    }
    next();
  });
}

module.exports = { mountAudit };
