// A Vite plugin in the shape of the official and community plugins (vite-plugin-md, unplugin-*,
// @vitejs/plugin-vue's handleHotUpdate): a factory returning a plugin object with configResolved,
// configureServer, transform, handleHotUpdate and buildEnd hooks. Under `vite dev` the factory
// runs once, configureServer once per (re)start, transform and handleHotUpdate per module/change.
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import chokidar from 'chokidar';
import MarkdownIt from 'markdown-it';
import { LRUCache } from 'lru-cache';
import { Worker } from 'node:worker_threads';

const bus = new EventEmitter();
const frontmatterRE = /^---\n([\s\S]*?)\n---\n/;

export default function markdownPlugin(userOptions = {}) {
  const options = { include: /\.md$/, wrapperClasses: 'markdown-body', ...userOptions };
  const md = new MarkdownIt({ html: true, linkify: true });
  const renderCache = new Map();
  const depGraph = new Map();
  const highlightCache = new LRUCache({ max: 1000 }); // ok: unbounded-cache
  const pending = [];
  let config;
  let server;
  let statsTimer;
  let worker;

  for (const use of options.markdownItUses || []) md.use(...[].concat(use));

  function hashOf(code) {
    return createHash('sha1').update(code).digest('hex').slice(0, 8);
  }

  function render(id, code) {
    const match = frontmatterRE.exec(code);
    const body = match ? code.slice(match[0].length) : code;
    const html = md.render(body, { id });
    renderCache.set(`${id}?${hashOf(code)}`, html); // leak: unbounded-cache
    return html;
  }

  function trackImports(id, html) {
    const deps = depGraph.get(id) || new Set();
    for (const m of html.matchAll(/<img src="([^"]+)"/g)) {
      deps.add(path.resolve(path.dirname(id), m[1])); // ok: unbounded-collection
    }
    depGraph.set(id, deps); // ok: unbounded-collection
  }

  function highlight(lang, src) {
    const key = `${lang}:${src}`;
    if (highlightCache.has(key)) return highlightCache.get(key);
    const out = `<pre class="lang-${lang}"><code>${md.utils.escapeHtml(src)}</code></pre>`;
    highlightCache.set(key, out); // ok: unbounded-cache
    return out;
  }

  return {
    name: 'vite-plugin-markdown-lite',
    enforce: 'pre',

    configResolved(resolved) {
      config = resolved;
      md.options.highlight = highlight;
    },

    configureServer(devServer) {
      server = devServer;
      worker = new Worker(new URL('./toc-worker.mjs', import.meta.url)); // ok: resource-per-request
      statsTimer = setInterval(() => { // ok: timer-leak
        config.logger.info(`[md] ${renderCache.size} renders cached`, { timestamp: true });
      }, 60000);
      devServer.httpServer?.once('close', () => { // ok: listener-leak
        clearInterval(statsTimer);
        worker.terminate();
      });

      const extra = chokidar.watch(options.contentDirs || [], { ignoreInitial: true }); // ok: resource-per-request
      extra.on('add', (file) => devServer.ws.send({ type: 'full-reload', path: file })); // ok: listener-leak

      devServer.middlewares.use('/__md_toc', (req, res) => {
        const id = new URL(req.url, 'http://localhost').searchParams.get('id');
        const onToc = (msg) => { // one reply per request
          if (msg.id !== id) return;
          worker.off('message', onToc);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(msg.toc));
        };
        worker.on('message', onToc); // ok: listener-leak
        worker.postMessage({ id });
      });

      devServer.middlewares.use('/__md_events', (req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const send = (file) => res.write(`data: ${JSON.stringify({ file })}\n\n`);
        bus.on('rendered', send); // leak: listener-leak
        req.on('close', () => res.end()); // ok: listener-leak
      });
    },

    async transform(code, id) {
      if (!options.include.test(id)) return null;
      const html = render(id, code);
      trackImports(id, html);
      bus.emit('rendered', id);
      if (server) {
        // a watcher for the sibling .json front matter of this page
        const sidecar = id.replace(/\.md$/, '.json');
        const w = chokidar.watch(sidecar, { ignoreInitial: true }); // leak: resource-per-request
        w.on('change', () => server.ws.send({ type: 'full-reload', path: id })); // ok: listener-leak
      }
      return {
        code: `const html = ${JSON.stringify(html)};\nexport default html;\nexport const wrapper = ${JSON.stringify(options.wrapperClasses)};`,
        map: null,
      };
    },

    async handleHotUpdate(ctx) {
      const { file, server: devServer, modules } = ctx;
      if (!options.include.test(file)) {
        const owners = [];
        for (const [id, deps] of depGraph) if (deps.has(file)) owners.push(id); // ok: unbounded-collection
        return owners.length ? owners.flatMap((o) => [...(devServer.moduleGraph.getModulesByFile(o) || [])]) : undefined;
      }
      pending.push({ file, at: Date.now(), source: await ctx.read() }); // leak: unbounded-collection
      const retry = setInterval(() => { // leak: timer-leak
        if (devServer.moduleGraph.getModulesByFile(file)) devServer.reloadModule(modules[0]);
      }, 500);
      devServer.ws.send({ type: 'custom', event: 'md:update', data: { file, retry: !!retry } });
      return modules;
    },

    async generateBundle(_, bundle) {
      const manifest = [];
      for (const [fileName, chunk] of Object.entries(bundle)) {
        if (chunk.type === 'chunk' && chunk.facadeModuleId?.endsWith('.md')) {
          manifest.push({ fileName, src: path.relative(config.root, chunk.facadeModuleId) }); // ok: unbounded-collection
        }
      }
      this.emitFile({ type: 'asset', fileName: 'md-manifest.json', source: JSON.stringify(manifest) });
    },

    async buildEnd() {
      if (config.command === 'build') {
        await fs.writeFile(path.join(config.root, '.md-cache.json'), JSON.stringify([...renderCache.keys()]));
      }
      renderCache.clear();
      depGraph.clear();
    },

    api: {
      onRendered(fn) {
        bus.on('rendered', fn); // ok: listener-leak
        return () => bus.off('rendered', fn);
      },
      extend(transformFn) {
        const base = md.render.bind(md);
        const previous = md.render;
        md.render = (src, env) => transformFn(previous.call(md, src, env), base); // leak: closure-capture
      },
    },
  };
}
