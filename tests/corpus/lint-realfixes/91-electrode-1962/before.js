'use strict';

// Electrode subapp-server: each registered page route gets a template
// selector; rendering a request looks up (or builds) the route's compiled
// template renderer in a per-route cache. Routes live as long as the server.
const Path = require('path');
const { TagRenderer } = require('@xarc/tag-renderer');

function initializeTemplate({ templateFile, cacheId, cacheKey, options }, routeOptions, request) {
  const url = (request.url && request.url.path) || request.url;

  // The request's URL, query string included, is part of the key: every
  // distinct URL builds and keeps one more renderer.
  cacheKey = cacheKey || `${templateFile}#${cacheId}#${url}`;

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

  return (routeOptions._templateCache[cacheKey] = asyncTemplate); // leak: unbounded-cache
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
    const asyncTemplate = initializeTemplate(selection, routeOptions, options.request);
    return asyncTemplate.render(options);
  };
}

function registerRoutes(server, routes, topOpts) {
  for (const path in routes) {
    const routeOptions = Object.assign({}, topOpts, routes[path]);
    const render = makeRouteTemplateSelector(routeOptions);
    server.route({ method: 'GET', path, handler: (request) => render({ request }) });
  }
}

module.exports = { registerRoutes, makeRouteTemplateSelector };
