// Presence and live cursors on socket.io (ESM, callbacks and promises).
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';

const pubClient = createClient({ url: process.env.REDIS_URL }); // ok: resource-per-request
const subClient = pubClient.duplicate();
await Promise.all([pubClient.connect(), subClient.connect()]);

const httpServer = createServer();
const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });

const online = new Map();
const cursorHistory = {};
const lastSeen = new Map();

io.on('connection', (socket) => { // ok: listener-leak
  const userId = socket.handshake.auth.userId;
  online.set(socket.id, userId); // ok: unbounded-collection

  socket.on('cursor', (pos) => { // ok: listener-leak
    (cursorHistory[userId] = cursorHistory[userId] || []).push(pos); // leak: unbounded-collection
    socket.broadcast.emit('cursor', { userId, pos });
  });

  const onFlag = (flag) => socket.emit('flag', flag);
  subClient.subscribe('flags', onFlag);

  const onRedisError = (err) => socket.emit('degraded', String(err));
  pubClient.on('error', onRedisError); // leak: listener-leak

  const abort = new AbortController();
  process.once('SIGTERM', () => abort.abort()); // leak: listener-leak
  abort.signal.addEventListener('abort', () => socket.disconnect(true), { once: true }); // ok: listener-leak

  socket.on('disconnect', () => {
    online.delete(socket.id);
    lastSeen.set(userId, Date.now()); // leak: unbounded-collection
    subClient.unsubscribe('flags', onFlag);
  });
});

io.of('/admin').on('connection', (socket) => { // ok: listener-leak
  const tick = setInterval(() => socket.emit('online', online.size), 2000); // ok: timer-leak
  socket.on('disconnect', () => clearInterval(tick));
});

httpServer.listen(Number(process.env.PORT) || 3001);
