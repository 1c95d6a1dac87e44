'use strict';
// The request's way back to the application: `req.app` (Express), `ctx.app` (Koa) and the
// server behind the socket live as long as the process (issue 11, mode 3).
function auditMiddleware(req, res, next) {
  req.app.on('audit:flush', () => res.locals.audit.flush()); // expect: listener-not-removed, closure-captures-request
  next();
}

async function koaTimer(ctx, next) {
  ctx.app.on('error', (err) => ctx.state.errors.push(err)); // expect: listener-not-removed, closure-captures-request
  await next();
}

module.exports = { auditMiddleware, koaTimer };
