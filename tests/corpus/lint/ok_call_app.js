'use strict';
// Look-alike of leak_call_app.js: the listener on the application is removed when the
// response ends.
function auditMiddleware(req, res, next) {
  const flush = () => res.locals.audit.flush();
  req.app.on('audit:flush', flush);
  res.on('finish', () => req.app.off('audit:flush', flush));
  next();
}

async function koaTimer(ctx, next) {
  const onError = (err) => ctx.state.errors.push(err);
  ctx.app.on('error', onError);
  try {
    await next();
  } finally {
    ctx.app.off('error', onError);
  }
}

module.exports = { auditMiddleware, koaTimer };
