'use strict';
/**
 * Handles the messages that come from the pad clients over Socket.IO and keeps
 * a little state per session.
 */

const padManager = require('../db/PadManager');
const authorManager = require('../db/AuthorManager');
const readOnlyManager = require('../db/ReadOnlyManager');
const securityManager = require('../db/SecurityManager');
const settings = require('../utils/Settings');
const hooks = require('../../static/js/pluginfw/hooks.js');
const stats = require('../stats');
const log4js = require('log4js');
const {RateLimiterMemory} = require('rate-limiter-flexible');

const messageLogger = log4js.getLogger('message');

let rateLimiter;
let socketio;

exports.socketio = () => {
  // made here so that a server restart resets the limiter
  rateLimiter = new RateLimiterMemory(settings.commitRateLimiting); // ok: resource-per-request
};

exports.setSocketIO = (socketIo) => {
  socketio = socketIo;
};

/**
 * Information about each connected session, by socket id.
 */
const sessioninfos = {};
exports.sessioninfos = sessioninfos;

/**
 * Color id of each author, so that USER_NEWINFO does not hit the database.
 */
const authorColors = new Map();

/**
 * Read-only id of each pad, refreshed every ten minutes.
 */
const readOnlyIds = new Map();
const READONLY_TTL = 10 * 60 * 1000;

/**
 * Clients that asked for revisions the pad does not have yet, by pad id.
 */
const revisionWaiters = new Map();

const getAuthorColor = async (authorId) => {
  if (!authorColors.has(authorId)) {
    authorColors.set(authorId, await authorManager.getAuthorColorId(authorId)); // leak: unbounded-cache
  }
  return authorColors.get(authorId);
};

const getReadOnlyId = async (padId) => {
  const hit = readOnlyIds.get(padId);
  if (hit && hit.expires > Date.now()) return hit.id;
  if (readOnlyIds.size > 5000) readOnlyIds.clear();
  const id = await readOnlyManager.getReadOnlyId(padId);
  readOnlyIds.set(padId, {id, expires: Date.now() + READONLY_TTL}); // ok: unbounded-cache
  return id;
};

exports.handleConnect = (socket) => {
  stats.meter('connects').mark();
  sessioninfos[socket.id] = {}; // ok: unbounded-collection
  sessioninfos[socket.id].keepAlive = setInterval(() => socket.json.send({type: 'PING'}), 25000); // leak: timer-leak
};

exports.handleDisconnect = async (socket) => {
  stats.meter('disconnects').mark();
  const session = sessioninfos[socket.id];
  if (session && session.author) {
    const color = await getAuthorColor(session.author);
    socket.broadcast.to(session.padId).json.send({
      type: 'COLLABROOM',
      data: {type: 'USER_LEAVE', userInfo: {colorId: color, userId: session.author}},
    });
    hooks.callAll('userLeave', session);
  }
  delete sessioninfos[socket.id];
};

exports.handleMessage = async (socket, message) => {
  try {
    await rateLimiter.consume(socket.request.ip);
  } catch (err) {
    stats.meter('rateLimited').mark();
    socket.json.send({disconnect: 'rateLimited'});
    return;
  }
  if (message == null || !message.type) return;

  const thisSession = sessioninfos[socket.id];
  if (!thisSession) {
    messageLogger.warn('Dropped message from an unknown connection.');
    return;
  }

  const {accessStatus, authorID} =
      await securityManager.checkAccess(message.padId, message.sessionID, message.token);
  if (accessStatus !== 'grant') {
    socket.json.send({accessStatus});
    return;
  }
  thisSession.author = authorID;
  thisSession.padId = message.padId;

  if (message.type === 'CHANGESET_REQ') {
    await handleChangesetRequest(socket, message);
  } else if (message.type === 'USERINFO_UPDATE') {
    const colorId = await getAuthorColor(authorID);
    socket.broadcast.to(message.padId).json.send({
      type: 'COLLABROOM', data: {type: 'USER_NEWINFO', userInfo: {userId: authorID, colorId}},
    });
  } else if (message.type === 'GET_READONLY_ID') {
    socket.json.send({type: 'READONLY_ID', readOnlyId: await getReadOnlyId(message.padId)});
  }
};

const handleChangesetRequest = async (socket, message) => {
  const {granularity, start, requestID} = message.data;
  const pad = await padManager.getPad(message.padId);
  if (start > pad.getHeadRevisionNumber()) {
    // the client is ahead of us (a replica is lagging): answer when the revision arrives
    if (!revisionWaiters.has(pad.id)) revisionWaiters.set(pad.id, []);
    revisionWaiters.get(pad.id).push(() => handleChangesetRequest(socket, message)); // leak: closure-capture
    return;
  }
  const data = await pad.getChangesetInfo(start, start + 100 * granularity, granularity);
  socket.json.send({type: 'CHANGESET_REQ', data: {...data, requestID}});
};

exports.onNewRevision = (padId) => {
  const waiting = revisionWaiters.get(padId);
  if (!waiting) return;
  revisionWaiters.delete(padId);
  for (const retry of waiting) retry();
};

exports.handleCustomMessage = (padID, msgString) => {
  const msg = {type: 'COLLABROOM', data: {type: msgString, time: Date.now()}};
  process.nextTick(() => socketio.sockets.in(padID).json.send(msg)); // ok: closure-capture
};

exports.sendChatMessageToPadClients = async (time, userId, text, padId) => {
  const pad = await padManager.getPad(padId);
  const userName = await authorManager.getAuthorName(userId);
  const saved = pad.appendChatMessage(text, userId, time);
  const msg = {type: 'COLLABROOM', data: {type: 'CHAT_MESSAGE', userId, userName, time, text}};
  const pending = [];
  for (const socket of await socketio.in(padId).fetchSockets()) {
    pending.push(() => socket.json.send(msg)); // ok: closure-capture
  }
  pending.forEach((send) => send());
  await saved;
};

exports.kickSessionsFromPad = (padID) => {
  if (typeof socketio.sockets.clients !== 'function') return;
  socketio.sockets.in(padID).json.send({disconnect: 'deleted'});
  const timer = setTimeout(() => socketio.in(padID).disconnectSockets(true), 5000); // ok: timer-leak
  timer.unref();
};
