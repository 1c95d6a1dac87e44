// @ts-check
// Streaming API server, after the shape of Mastodon's streaming/index.js:
// one http server, express for SSE, ws for websockets, one Redis subscriber
// shared by every connection through the `subs` table.

const http = require('http');
const url = require('url');

const express = require('express');
const { WebSocketServer } = require('ws');
const pg = require('pg');
const Redis = require('ioredis');

const { logger, httpLogger } = require('./logging');
const { setupMetrics } = require('./metrics');
const { isTruthy, parseJSON } = require('./utils');

const PUBLIC_CHANNELS = ['public', 'public:local', 'public:remote', 'hashtag', 'hashtag:local'];

/** @type {Map<string, { at: number, filters: object }>} */
const filtersByAccount = new Map();

/** @type {Record<string, Array<{ at: number, ip: string }>>} */
const connectionLog = {};

const redisConfigFromEnv = (env) => ({
  host: env.REDIS_HOST || '127.0.0.1',
  port: Number(env.REDIS_PORT || 6379),
  db: Number(env.REDIS_DB || 0),
  prefix: env.REDIS_NAMESPACE ? `${env.REDIS_NAMESPACE}:` : '',
});

const startServer = async () => {
  const pgPool = new pg.Pool({ max: 10, connectionString: process.env.DATABASE_URL }); // ok: resource-per-request
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  const app = express();

  const redisConfig = redisConfigFromEnv(process.env);
  const redisSubscribeClient = new Redis(redisConfig); // ok: resource-per-request
  const redisClient = new Redis(redisConfig); // ok: resource-per-request
  const { prefix: redisPrefix } = redisConfig;
  const metrics = setupMetrics(['system', 'user', 'list', 'direct', ...PUBLIC_CHANNELS], pgPool);

  app.use(httpLogger);
  server.on('request', app); // ok: listener-leak

  /** @type {Record<string, Array<(json: any) => void>>} */
  const subs = {};

  const onRedisMessage = (channel, message) => {
    metrics.redisMessagesReceived.inc();
    const callbacks = subs[channel];
    if (!callbacks) return;
    const json = parseJSON(message, null);
    if (!json) return;
    callbacks.forEach((callback) => callback(json));
  };
  redisSubscribeClient.on('message', onRedisMessage); // ok: listener-leak

  const subscribe = (channel, callback) => {
    subs[channel] = subs[channel] || [];
    if (subs[channel].length === 0) {
      redisSubscribeClient.subscribe(channel, (err, count) => {
        if (err) logger.error(`Error subscribing to ${channel}`);
        else metrics.redisSubscriptions.set(count);
      });
    }
    subs[channel].push(callback); // ok: unbounded-collection
  };

  const unsubscribe = (channel, callback) => {
    if (!subs[channel]) return;
    subs[channel] = subs[channel].filter((item) => item !== callback);
    if (subs[channel].length === 0) {
      redisSubscribeClient.unsubscribe(channel);
      delete subs[channel];
    }
  };

  const subscriptionHeartbeat = (channels) => {
    const interval = 6 * 60;
    const tellSubscribed = () => {
      channels.forEach((channel) => redisClient.set(`${redisPrefix}subscribed:${channel}`, '1', 'EX', interval * 3));
    };
    tellSubscribed();
    const heartbeat = setInterval(tellSubscribed, interval * 1000); // ok: timer-leak
    return () => clearInterval(heartbeat);
  };

  const fetchFilters = async (accountId) => {
    const cached = filtersByAccount.get(accountId);
    if (cached && Date.now() - cached.at < 60_000) return cached.filters;
    const client = await pgPool.connect(); // leak: resource-per-request
    const { rows } = await client.query('SELECT id, phrase, context FROM custom_filters WHERE account_id = $1', [accountId]);
    if (rows.length === 0) return {};
    client.release();
    const filters = Object.fromEntries(rows.map((row) => [row.id, { title: row.phrase, context: row.context }]));
    filtersByAccount.set(accountId, { at: Date.now(), filters }); // leak: unbounded-cache
    return filters;
  };

  const accountFromToken = async (token, req) => {
    const result = await pgPool.query('SELECT account_id, scopes FROM oauth_access_tokens WHERE token = $1 AND revoked_at IS NULL LIMIT 1', [token]);
    if (result.rows.length === 0) throw new Error('Invalid access token');
    req.accountId = result.rows[0].account_id;
    req.scopes = result.rows[0].scopes.split(' ');
    req.cachedFilters = await fetchFilters(req.accountId);
    return req;
  };

  const createSystemMessageListener = (req, { onKill }) => (message) => {
    if (message?.event === 'kill') onKill();
    else if (message?.event === 'filters_changed') {
      filtersByAccount.delete(req.accountId);
      fetchFilters(req.accountId).then((filters) => { req.cachedFilters = filters; });
    }
  };

  const subscribeHttpToSystemChannel = (req, res) => {
    const accessTokenChannelId = `timeline:access_token:${req.accessTokenId}`;
    const systemChannelId = `timeline:system:${req.accountId}`;
    const listener = createSystemMessageListener(req, { onKill: () => res.end() });

    res.on('close', () => { // ok: listener-leak
      unsubscribe(`${redisPrefix}${accessTokenChannelId}`, listener);
      unsubscribe(`${redisPrefix}${systemChannelId}`, listener);
    });
    subscribe(`${redisPrefix}${accessTokenChannelId}`, listener);
    subscribe(`${redisPrefix}${systemChannelId}`, listener);
  };

  // SSE: one express route, one response per client
  app.get('/api/v1/streaming/:stream?', async (req, res) => {
    try {
      await accountFromToken(String(req.headers.authorization || '').replace(/^Bearer /, ''), req);
    } catch (err) {
      res.status(401).end();
      return;
    }
    const channel = req.params.stream === 'public' ? 'timeline:public' : `timeline:${req.accountId}`;
    (connectionLog[req.accountId] ||= []).push({ at: Date.now(), ip: req.ip }); // leak: unbounded-collection

    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'private, no-store');
    res.writeHead(200);
    const heartbeat = setInterval(() => res.write(':thump\n'), 15000); // ok: timer-leak
    const stopHeartbeat = subscriptionHeartbeat([channel]);
    const listener = (json) => res.write(`event: ${json.event}\ndata: ${json.payload}\n\n`);

    subscribe(`${redisPrefix}${channel}`, listener);
    subscribeHttpToSystemChannel(req, res);
    req.on('close', () => { // ok: listener-leak
      clearInterval(heartbeat);
      stopHeartbeat();
      unsubscribe(`${redisPrefix}${channel}`, listener);
    });
  });

  server.on('upgrade', async (request, socket, head) => { // ok: listener-leak
    const onSocketError = (err) => logger.error({ err }, err.message);
    socket.on('error', onSocketError); // ok: listener-leak
    try {
      const location = url.parse(request.url, true);
      await accountFromToken(String(location.query.access_token || request.headers['sec-websocket-protocol']), request);
    } catch (err) {
      socket.once('finish', () => socket.destroy()); // ok: listener-leak
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    socket.removeListener('error', onSocketError);
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  wss.on('connection', (ws, req) => { // ok: listener-leak
    /** @type {Map<string, { listener: Function, stopHeartbeat: () => void }>} */
    const subscriptions = new Map(); // ok: unbounded-collection
    metrics.connectedClients.labels({ type: 'websocket' }).inc();

    const keepAlive = setInterval(() => { // leak: timer-leak
      if (ws.readyState === ws.OPEN) ws.ping();
    }, 30000);

    const systemListener = createSystemMessageListener(req, { onKill: () => ws.close() });
    subscribe(`${redisPrefix}timeline:system:${req.accountId}`, systemListener); // leak: listener-leak

    ws.on('message', (data) => { // ok: listener-leak
      const json = parseJSON(data.toString('utf8'), null);
      if (!json || !json.stream) return;
      const channelId = json.stream === 'user' ? `timeline:${req.accountId}` : `timeline:${json.stream}`;
      if (json.type === 'subscribe' && !subscriptions.has(channelId)) {
        const listener = (payload) => ws.send(JSON.stringify({ stream: [json.stream], ...payload }));
        subscribe(`${redisPrefix}${channelId}`, listener);
        subscriptions.set(channelId, { listener, stopHeartbeat: subscriptionHeartbeat([channelId]) }); // ok: unbounded-collection
      } else if (json.type === 'unsubscribe' && subscriptions.has(channelId)) {
        const { listener, stopHeartbeat } = subscriptions.get(channelId);
        unsubscribe(`${redisPrefix}${channelId}`, listener);
        stopHeartbeat();
        subscriptions.delete(channelId);
      }
    });

    ws.on('close', () => { // ok: listener-leak
      metrics.connectedClients.labels({ type: 'websocket' }).dec();
      subscriptions.forEach(({ listener, stopHeartbeat }, channelId) => {
        unsubscribe(`${redisPrefix}${channelId}`, listener);
        stopHeartbeat();
      });
      subscriptions.clear();
    });

    if (isTruthy(req.query?.only_media)) ws.send(JSON.stringify({ event: 'notice', payload: 'media only' }));
  });

  server.listen(process.env.PORT || 4000, () => logger.info('Streaming API now listening'));

  const onExit = () => {
    server.close();
    process.exit(0);
  };
  process.on('SIGINT', onExit); // ok: listener-leak
  process.on('SIGTERM', onExit); // ok: listener-leak
};

startServer();
