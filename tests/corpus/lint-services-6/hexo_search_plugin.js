// Plugin in the style of a Hexo plugin (index.js registering hexo.extend.generator /
// filter / helper / console, hexo.on('generateAfter'), a `hexo server` middleware via
// filter 'server_middleware', hexo.locals and hexo.config). Terse CommonJS, `hexo` global.
/* global hexo */
'use strict';

const { createHash } = require('crypto');
const chokidar = require('chokidar');
const { Client } = require('@elastic/elasticsearch');

const config = Object.assign({ path: 'search.json', fields: ['title', 'content'], limit: 0 }, hexo.config.search_plus);

// made once when the plugin loads
const es = config.elastic ? new Client({ node: config.elastic }) : null; // ok: resource-per-request

// rendered excerpts per post source, rebuilt on every generate without clearing
const excerptCache = {};
// hashes of the last generated index, one per output path
const lastHash = new Map();
// query log for the dev-server search box
const queryLog = [];

// every helper call in a template may register a highlighter; they chain
let highlight = (s) => s;

function excerpt(post) {
  const key = post.source + ':' + post.updated.valueOf();
  if (!(key in excerptCache)) excerptCache[key] = post.content.replace(/<[^>]+>/g, '').slice(0, 300); // leak: unbounded-cache
  return excerptCache[key];
}

hexo.extend.generator.register('search_plus', function (locals) {
  const items = []; // ok: unbounded-collection
  locals.posts.sort('-date').each((post) => {
    if (post.search === false) return;
    items.push({ title: post.title, url: post.permalink, excerpt: excerpt(post) }); // ok: unbounded-collection
  });
  const body = JSON.stringify(config.limit ? items.slice(0, config.limit) : items);
  lastHash.set(config.path, createHash('md5').update(body).digest('hex')); // ok: unbounded-collection
  return { path: config.path, data: body };
});

hexo.extend.helper.register('search_highlight', function (text, term) {
  const prev = highlight;
  highlight = (s) => prev(s).split(term).join(`<mark>${term}</mark>`); // leak: closure-capture
  return highlight(text);
});

hexo.extend.helper.register('search_mark', function (text, term) {
  const mark = (s) => s.split(term).join(`<mark>${term}</mark>`); // ok: closure-capture
  return mark(text);
});

hexo.extend.filter.register('after_post_render', function (data) {
  // keeps every rendered post on hexo.locals for the generator (the source of truth
  // is already locals.posts; this copy grows on each regeneration in `hexo server`)
  const rendered = hexo.locals.get('search_rendered') || [];
  rendered.push({ source: data.source, html: data.content }); // leak: unbounded-collection
  hexo.locals.set('search_rendered', () => rendered);
  return data;
});

hexo.extend.filter.register('before_exit', function () {
  for (const k of Object.keys(excerptCache)) delete excerptCache[k];
});

hexo.extend.filter.register('server_middleware', function (app) {
  // runs once when `hexo server` starts
  app.use('/search', function (req, res, next) {
    if (!req.url.startsWith('/?q=')) return next();
    const q = decodeURIComponent(req.url.slice(4));
    queryLog.push({ q, at: Date.now() }); // ok: unbounded-collection
    if (queryLog.length > 1000) queryLog.shift();
    if (!es) return res.end('[]');
    es.search({ index: 'hexo', query: { match: { content: q } } }).then((r) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(r.hits.hits));
    }, next);
  });

  app.use('/search/live', function (req, res, next) {
    res.setHeader('content-type', 'text/event-stream');
    const onGen = () => res.write('data: regenerated\n\n');
    hexo.on('generateAfter', onGen); // leak: listener-leak
    req.on('close', () => res.end());
  });

  app.use('/search/live2', function (req, res) {
    res.setHeader('content-type', 'text/event-stream');
    const onGen = () => res.write('data: regenerated\n\n');
    hexo.on('generateAfter', onGen); // ok: listener-leak
    req.on('close', () => hexo.removeListener('generateAfter', onGen)); // ok: listener-leak
  });

  app.use('/search/reindex', function (req, res) {
    // a client per reindex request, never closed
    const client = new Client({ node: config.elastic }); // leak: resource-per-request
    client.bulk({ operations: [] }).then(() => res.end('ok'), (err) => res.end(String(err)));
  });

  app.use('/search/watch', function (req, res) {
    // a watcher on the source folder per request
    const watcher = chokidar.watch(hexo.source_dir, { ignoreInitial: true }); // leak: resource-per-request
    watcher.on('change', (p) => hexo.log.info('changed', p)); // ok: listener-leak
    res.end('watching');
  });

  app.use('/search/status', function (req, res) {
    hexo.locals.set('search_status_at', () => Date.now()); // ok: global-growth
    res.end(JSON.stringify({ queries: queryLog.length, hashes: [...lastHash.values()] }));
  });
});

hexo.on('ready', function () { // ok: listener-leak
  global.hexoSearchPlus = { version: '2.1.0', config }; // ok: global-growth
});

hexo.on('generateAfter', function () { // ok: listener-leak
  global.hexoSearchGenerations = global.hexoSearchGenerations || [];
  global.hexoSearchGenerations.push({ at: Date.now(), posts: hexo.locals.get('posts').length }); // leak: global-growth
});

hexo.extend.console.register('search-index', 'Push the search index', { options: [] }, async function () {
  await this.load();
  const poll = setInterval(() => this.log.info('still indexing...'), 5000); // ok: timer-leak
  try {
    const posts = this.locals.get('posts').toArray();
    if (es) await es.bulk({ operations: posts.flatMap((p) => [{ index: { _index: 'hexo', _id: p._id } }, { title: p.title, content: p.content }]) });
  } finally {
    clearInterval(poll);
  }
});

hexo.extend.console.register('search-watch', 'Reindex on change', {}, async function () {
  await this.watch();
  setInterval(() => this.call('search-index'), 60000); // ok: timer-leak
});

hexo.extend.filter.register('after_render:html', function (str, data) {
  if (!config.live_reload) return str;
  // the dev-server refresh poller is started per rendered page
  setInterval(() => hexo.emit('search:tick', data.path), 10000); // leak: timer-leak
  return str;
});
