'use strict';

// next dev: the development server re-evaluates a route's server modules
// after an edit (it clears their require cache and requires them again).
// One of those modules is React's server build, whose top level patches the
// global fetch to dedupe requests made during one render.

// --- react.shared-subset (evaluated again with every fresh route module) ---
function evaluateReactSharedSubset() {
  const renderCache = new Map();
  const originalFetch = globalThis.fetch;
  // Wraps whatever fetch is there now: after the first reload that is the
  // previous evaluation's wrapper, whose closure holds its own render cache
  // and module context. Each reload adds a link to the chain.
  globalThis.fetch = function patchedFetch(resource, options) { // leak: global-growth
    const key = typeof resource === 'string' ? resource : resource.url;
    if (!options || options.method === undefined || options.method === 'GET') {
      if (renderCache.has(key)) return renderCache.get(key);
      const pending = originalFetch(resource, options);
      renderCache.set(key, pending);
      return pending;
    }
    return originalFetch(resource, options);
  };
  return { renderCache };
}

// --- next-dev-server ---
class DevServer {
  constructor({ dir }) {
    this.dir = dir;
    this.staleRoutes = new Set();
  }

  onFileChanged(route) {
    this.staleRoutes.add(route);
  }

  loadRouteModules(route) {
    if (this.staleRoutes.has(route) || !this.loaded) {
      this.staleRoutes.delete(route);
      // Stands in for deleting require.cache entries and requiring again.
      this.loaded = { route, react: evaluateReactSharedSubset() };
    }
    return this.loaded;
  }

  // Runs for every request.
  async handleRequest(req, res) {
    const route = new URL(req.url, 'http://localhost').pathname;
    const modules = this.loadRouteModules(route);
    const html = await this.render(route, modules);
    res.end(html);
  }

  async render(route) {
    return `<html><body>${route}</body></html>`;
  }
}

module.exports = { DevServer, evaluateReactSharedSubset };
