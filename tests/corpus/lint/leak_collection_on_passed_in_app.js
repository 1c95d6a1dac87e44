'use strict';
// Set-up code hangs a list on the application it was handed and registers middleware that
// adds to it on every request; the application lives as long as the process.
function mountAudit(app) {
  app.locals.denied = [];
  app.use((req, res, next) => {
    if (!req.headers.authorization) {
      app.locals.denied.push({ path: req.path, at: Date.now() }); // expect: module-collection-growth
      res.status(401).end();
      return;
    }
    next();
  });
}

module.exports = { mountAudit };
