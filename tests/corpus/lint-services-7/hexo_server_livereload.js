'use strict';

// Hexo plugin in the shape of hexo-server and hexo-browsersync: registered through the global
// `hexo` extend API when Hexo loads the plugin (once per process), a console command `server`
// that builds a connect app and calls hexo.watch(), middlewares registered with
// hexo.extend.filter.register('server_middleware', ...), generators and helpers run per render.
// Callbacks and Bluebird promises, `var`-free ES2015, no classes.

const connect = require('connect');
const http = require('http');
const path = require('path');
const Promise = require('bluebird');
const chokidar = require('chokidar');
const WebSocket = require('ws');
const { EventEmitter } = require('events');

/* global hexo */

const reloadBus = new EventEmitter();
const renderedPages = new Map();
const tagCloudCache = {};
let snippetHook = null;

hexo.config.livereload = Object.assign({ port: 0, delay: 200 }, hexo.config.livereload);

function injectSnippet(html, port) {
  return html.replace('</body>', `<script src="/livereload.js?port=${port}"></script></body>`);
}

// ---- lib/middlewares/livereload.js --------------------------------------------------------
hexo.extend.filter.register('server_middleware', function(app) {
  const wss = new WebSocket.Server({ noServer: true }); // ok: resource-per-request
  const clients = new Set();

  wss.on('connection', ws => { // ok: listener-leak
    clients.add(ws); // ok: unbounded-collection
    ws.on('close', () => clients.delete(ws)); // ok: listener-leak
  });

  reloadBus.on('reload', file => { // ok: listener-leak
    for (const ws of clients) ws.send(JSON.stringify({ command: 'reload', path: file }));
  });

  app.use('/livereload', (req, res) => {
    wss.handleUpgrade(req, req.socket, Buffer.alloc(0), ws => wss.emit('connection', ws, req));
  });

  app.use((req, res, next) => {
    const end = res.end;
    res.end = function(chunk, encoding) {
      if (chunk && /text\/html/.test(res.getHeader('Content-Type') || '')) {
        chunk = injectSnippet(chunk.toString(), hexo.config.livereload.port);
      }
      return end.call(res, chunk, encoding);
    };
    next();
  });
});

// ---- lib/middlewares/route.js -------------------------------------------------------------
hexo.extend.filter.register('server_middleware', function(app) {
  app.use((req, res, next) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    const data = hexo.route.get(url.replace(/^\//, '') || 'index.html');
    if (!data) return next();
    const chunks = [];
    data.on('data', c => chunks.push(c)); // ok: listener-leak
    data.on('end', () => { // ok: listener-leak
      const body = Buffer.concat(chunks);
      renderedPages.set(req.url, body); // leak: unbounded-cache
      res.setHeader('Content-Type', 'text/html');
      res.end(body);
    });
  });
});

// ---- lib/middlewares/logger.js -----------------------------------------------------------
hexo.extend.filter.register('server_middleware', function(app) {
  app.use((req, res, next) => {
    const start = Date.now();
    res.on('finish', () => { // ok: listener-leak
      hexo.log.debug('%s %s %d ms', req.method, req.url, Date.now() - start);
    });
    next();
  });
});

// ---- lib/helpers/tag_cloud_cached.js -----------------------------------------------------
hexo.extend.helper.register('tag_cloud_cached', function(options) {
  const key = `${this.page.path}:${JSON.stringify(options || {})}`;
  if (!tagCloudCache[key]) {
    tagCloudCache[key] = this.tagcloud(options); // leak: unbounded-cache
  }
  return tagCloudCache[key];
});

hexo.extend.helper.register('reading_time', function(content) {
  const words = [];
  for (const w of String(content).split(/\s+/)) if (w) words.push(w); // ok: unbounded-collection
  return Math.max(1, Math.round(words.length / 200));
});

// ---- lib/filters/after_render.js ---------------------------------------------------------
hexo.extend.filter.register('after_render:html', function(str, data) {
  const page = data.page || {};
  const prev = snippetHook;
  snippetHook = html => { // leak: closure-capture
    const out = prev ? prev(html) : html;
    return out.replace('<!-- page -->', `<!-- ${page.path} (${str.length} bytes) -->`);
  };
  return snippetHook(str);
});

hexo.extend.filter.register('after_post_render', function(data) {
  // every render of a post adds one more listener to the process-wide bus
  reloadBus.on('reload', file => { // leak: listener-leak
    if (file === data.full_source) hexo.log.info('post %s changed', data.title);
  });
  return data;
});

hexo.extend.filter.register('before_exit', function() {
  reloadBus.removeAllListeners('reload');
  renderedPages.clear();
});

// ---- lib/server.js (console command `hexo server`) --------------------------------------
function startServer(args) {
  const app = connect();
  const { config } = hexo;
  const ip = args.i || args.ip || config.server.ip || '127.0.0.1';
  const port = parseInt(args.p || args.port || config.server.port, 10) || 4000;

  return hexo.extend.filter.exec('server_middleware', app, { context: hexo }).then(() => {
    if (args.s || args.static) return hexo.load();
    return hexo.watch();
  }).then(() => {
    const server = http.createServer(app); // ok: resource-per-request
    server.listen(port, ip);
    return new Promise((resolve, reject) => {
      server.once('listening', () => resolve(server)); // ok: listener-leak
      server.once('error', reject); // ok: listener-leak
    });
  }).then(server => {
    const watcher = chokidar.watch(path.join(hexo.source_dir, '**/*'), { ignoreInitial: true }); // ok: resource-per-request
    let timer = null;
    watcher.on('all', (event, file) => { // ok: listener-leak
      clearTimeout(timer);
      timer = setTimeout(() => reloadBus.emit('reload', file), config.livereload.delay); // ok: timer-leak
      renderedPages.delete('/' + path.relative(hexo.source_dir, file));
    });

    hexo.on('generateAfter', () => { // ok: listener-leak
      const stats = setInterval(() => { // leak: timer-leak
        hexo.log.debug('%d pages in memory', renderedPages.size);
      }, 10000);
      hexo.log.info('generated, stats every 10s', Boolean(stats));
    });

    hexo.once('exit', () => { // ok: listener-leak
      watcher.close();
      server.close();
    });

    hexo.log.info('Hexo is running at http://%s:%d/ . Press Ctrl+C to stop.', ip, port);
    return server;
  });
}

hexo.extend.console.register('server', 'Start the server.', {
  options: [
    { name: '-i, --ip', desc: 'Override the default server IP.' },
    { name: '-p, --port', desc: 'Override the default port.' },
    { name: '-s, --static', desc: 'Only serve static files.' }
  ]
}, startServer);

module.exports = { startServer, reloadBus };
