'use strict';

const kTimeoutListener = Symbol('fastify.timeoutListener');

// fastify: the handler that runs for every routed request, and the response
// listeners it sets up. With keep-alive, one socket carries many requests
// and then sits idle in the client's pool for minutes.

function routeHandler(req, res, params, context) {
  const request = new context.Request(params, req, context);
  const reply = new context.Reply(res, request, context.log);

  setupResponseListeners(reply);

  if (context.onTimeout !== null) {
    // One 'timeout' listener per socket (marked separately, since _meta is
    // cleared when each response finishes); it finds the current request
    // through socket._meta.
    if (!request.raw.socket[kTimeoutListener]) {
      request.raw.socket[kTimeoutListener] = true;
      request.raw.socket.on('timeout', handleTimeout);
    }
    request.raw.socket._meta = { context, request, reply };
  }

  context.handler.call(context.server, request, reply);
}

function handleTimeout() {
  if (!this._meta) return;
  const { context, request, reply } = this._meta;
  context.onTimeout.forEach((hook) => hook.call(request.server, request, reply, () => {}));
}

function setupResponseListeners(reply) {
  reply.startTime = Date.now();

  const onResFinished = (err) => {
    reply.endTime = Date.now();
    reply.raw.removeListener('finish', onResFinished);
    reply.raw.removeListener('error', onResFinished);

    // The socket may outlive this request: stop pointing at it.
    const socket = reply.request.raw.socket;
    if (socket && socket._meta && socket._meta.request === reply.request) {
      socket._meta = null;
    }

    const ctx = reply.context;
    if (ctx && ctx.onResponse !== null) {
      ctx.onResponse.forEach((hook) => hook.call(reply.server, reply.request, reply, () => {}));
    }
    reply.log.info({ res: reply, responseTime: reply.endTime - reply.startTime }, err ? 'request errored' : 'request completed');
  };

  reply.raw.on('finish', onResFinished);
  reply.raw.on('error', onResFinished);
}

module.exports = { routeHandler, setupResponseListeners };
