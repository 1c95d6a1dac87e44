const Koa = require('koa');
const Router = require('@koa/router');
const { EventEmitter } = require('events');

const app = new Koa();
const router = new Router();
const jobs = new EventEmitter();
const history = [];

router.get('/jobs/:id', async (ctx, next) => {
  jobs.once('done', () => {});
  jobs.on('progress', (p) => { // expect: listener-not-removed, closure-captures-request
    ctx.state.progress = p;
  });
  history.push(ctx.params.id); // expect: module-collection-growth
  await next();
});

app.use(router.routes());
app.listen(3001);
