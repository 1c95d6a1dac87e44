'use strict';

var chunkLength = require('../../lib/chunkLength');

// One call per proxied request (the proxy middleware's send step).
function defaultSendProxyRequest(Container) {
  var req = Container.user.req;
  var bodyContent = Container.proxy.bodyContent;
  var options = Container.options;

  return new Promise(function (resolve, reject) {
    var protocol = Container.proxy.requestModule;
    var proxyReq = Container.proxy.req = protocol.request(Container.proxy.reqBuilder, function (rsp) { // leak: resource-per-request
      if (options.stream) {
        Container.proxy.res = rsp;
        return resolve(Container);
      }

      var chunks = [];
      rsp.on('data', function (chunk) {
        chunks.push(chunk);
      });
      rsp.on('end', function () {
        Container.proxy.res = rsp;
        Container.proxy.resData = Buffer.concat(chunks, chunkLength(chunks));
        resolve(Container);
      });
      rsp.on('error', reject);
    });

    proxyReq.on('socket', function (socket) {
      if (options.timeout) {
        socket.setTimeout(options.timeout, function () {
          proxyReq.abort();
        });
      }
    });
    proxyReq.on('error', reject);

    if (bodyContent && bodyContent.length) {
      proxyReq.setHeader('Content-Length', Buffer.byteLength(bodyContent));
      proxyReq.write(bodyContent);
      proxyReq.end();
    } else if (options.parseReqBody) {
      proxyReq.end();
    } else {
      // the client's body is streamed through; pipe ends proxyReq
      req.pipe(proxyReq);
    }

    // stop the upstream request if the client goes away
    req.on('aborted', function () {
      proxyReq.abort();
    });
  });
}

module.exports = function sendProxyRequest(Container) {
  if (Container.options.sendProxyRequest) {
    return Promise.resolve(Container.options.sendProxyRequest(Container));
  }
  return defaultSendProxyRequest(Container);
};
