'use strict';

// lib/validateResourcePath.js of apigee/microgateway-plugins (v3.0.12), cut to the path
// matching. The apikeys and oauth plugins call it for every proxied request to check the
// token's API products. debug@4.1 keeps every instance that debug() creates in its
// module-level createDebug.instances array (visionmedia/debug#678).

var url = require('url');
var debug_ = require('debug');
const SUPPORTED_SINGLE_FORWARD_SLASH_PATTERN = "/";

module.exports = function (config, req, res, decodedToken, productOnly, logger, componentName) {

    if (config === undefined || !config) return (undefined);
    if (req === undefined || !req) return (undefined);
    if (res === undefined || !res) return (undefined);

    const proxy = res.proxy;
    let urlPath = req.reqUrl.path;

    var debug = debug_('plugin:' + componentName); // leak: global-growth

    var parsedUrl = url.parse(urlPath);
    debug('product only: ' + productOnly);
    if (!decodedToken.api_product_list) {
        debug('no api product list');
        return false;
    }

    return decodedToken.api_product_list.some(function (product) {

        const validProxyNames = config.product_to_proxy[product];

        if (!productOnly) {
            if (!validProxyNames) {
                debug('no proxies found for product');
                return false;
            }
        }

        const resourcePaths = config.product_to_api_resource[product];
        var matchesProxyRules = false;
        if (resourcePaths && resourcePaths.length) {
            resourcePaths.forEach(function (productResourcePath) {
                if (matchesProxyRules) {
                    return;
                }
                if (productResourcePath === SUPPORTED_SINGLE_FORWARD_SLASH_PATTERN) {
                    matchesProxyRules = true;
                } else {
                    urlPath = parsedUrl.pathname;
                    const apiproxy = proxy.base_path + (productResourcePath.startsWith("/") ? "" : "/") + productResourcePath;
                    const regExPatternStr = apiproxy.replace(/\*\*/g, '.*').replace(/\*(?!\*)/g, '\\w+');
                    try {
                        var proxyRegEx = new RegExp(`^${regExPatternStr}$`, 'ig');
                        matchesProxyRules = urlPath.match(proxyRegEx);
                    } catch (e) {
                        debug('Exception in generating regex for the pattern :', proxyRegEx);
                        logger.eventLog({ level: 'warn', req: req, res: res, err: e, component: componentName }, 'Exception in generating regex for the pattern');
                    }
                }
            });
        } else {
            matchesProxyRules = true;
        }

        debug("matches proxy rules: " + matchesProxyRules);

        if (!productOnly)
            return matchesProxyRules && validProxyNames.indexOf(proxy.name) >= 0;
        else
            return matchesProxyRules;
    });
}
