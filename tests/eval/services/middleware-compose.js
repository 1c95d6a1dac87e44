'use strict';
// Koa-like middleware composition over node's http, async all the way down.
const http = require('http');

const retryQueue = new Map();
const seen = new WeakMap();

class Ctx {
  constructor(req, res, id) {
    this.req = req;
    this.res = res;
    this.id = id;
    this.state = { user: 'anon', attempts: 0 };
    this.body = null;
  }
}

class RetryTicket { // eval: retry-queue
  constructor(ctx) { // eval: retry-queue
    this.id = ctx.id;
    this.path = ctx.req.url;
    this.headers = Object.assign({}, ctx.req.headers);
    this.due = Date.now() + 60000;
  }
}

function compose(middleware) {
  return (ctx) => {
    const dispatch = async (i) => {
      const fn = middleware[i];
      if (fn) await fn(ctx, () => dispatch(i + 1));
    };
    return dispatch(0);
  };
}

const app = compose([
  async (ctx, next) => { seen.set(ctx.req, { at: Date.now() }); await next(); },
  async (ctx, next) => {
    await next();
    if (ctx.state.attempts === 0) retryQueue.set(ctx.id, new RetryTicket(ctx)); // eval: retry-queue
  },
  async (ctx) => { ctx.body = JSON.stringify({ ok: true, id: ctx.id }); },
]);

let n = 0;
http.createServer(async (req, res) => {
  const ctx = new Ctx(req, res, ++n);
  await app(ctx);
  res.end(ctx.body);
}).listen(Number(process.env.PORT), '127.0.0.1');
