'use strict';

// Electrode subapp-server: each registered page route gets a template
// selector; rendering a request looks up (or builds) the route's compiled
// template renderer in a per-route cache. Routes live as long as the server.
const Path = require('path');
const { TagRenderer } = require('@xarc/tag-renderer');

function initializeTemplate({ templateFile, cacheId, cacheKey, options }, routeOptions) {
  // Keyed by the route's configured path: one renderer per route.
  cacheKey = cacheKey || `${templateFile}#${cacheId}#${routeOptions.path}`;

  let asyncTemplate = routeOptions._templateCache[cacheKey];
  if (asyncTemplate) {
    return asyncTemplate;
  }

  if (options) {
    routeOptions = Object.assign({}, routeOptions, options);
  }

  const templateModule = require(Path.resolve(templateFile));
  const template = typeof templateModule === 'function' ? templateModule(routeOptions) : templateModule;

  asyncTemplate = new TagRenderer({
    templateTags: template,
    tokenHandlers: [].concat(routeOptions.tokenHandlers || []),
    routeOptions,
  });
  asyncTemplate.initializeRenderer();

  return (routeOptions._templateCache[cacheKey] = asyncTemplate);
}

function makeRouteTemplateSelector(routeOptions) {
  routeOptions._templateCache = {};
  const defaultSelection = {
    templateFile:
      typeof routeOptions.templateFile === 'string'
        ? Path.resolve(routeOptions.templateFile)
        : Path.join(__dirname, '../template/index'),
  };

  // Called for every request to the route.
  return (options) => {
    const selection = (routeOptions.selectTemplate && routeOptions.selectTemplate(options.request, routeOptions)) || defaultSelection;
    const asyncTemplate = initializeTemplate(selection, routeOptions);
    return asyncTemplate.render(options);
  };
}

function registerRoutes(server, routes, topOpts) {
  for (const path in routes) {
    const routeOptions = Object.assign({}, topOpts, routes[path], { path });
    const render = makeRouteTemplateSelector(routeOptions);
    server.route({ method: 'GET', path, handler: (request) => render({ request }) });
  }
}

module.exports = { registerRoutes, makeRouteTemplateSelector };
