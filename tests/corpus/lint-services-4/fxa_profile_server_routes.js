/* This Source Code Form is subject to the terms of the Mozilla Public
 * License, v. 2.0. If a copy of the MPL was not distributed with this
 * file, You can obtain one at http://mozilla.org/MPL/2.0/. */

'use strict';

// lib/server/web.js, lib/batch.js, lib/updates-queue.js and three lib/routes/* modules of a
// hapi profile server, kept in one file here.
const Hapi = require('@hapi/hapi');
const Joi = require('joi');
const hex = require('buf').to.hex;

const config = require('../config');
const db = require('../db');
const img = require('../img');
const workers = require('../img-workers');
const logger = require('../logging')('server.web');
const validate = require('../validate');

global.fxaRouteCounters = global.fxaRouteCounters || Object.create(null); // ok: global-growth

/* ---------------- lib/updates-queue.js ---------------- */
const pendingUpdates = new Map();
let flushTimer = null;

function notifyProfileUpdated(uid) {
  pendingUpdates.set(uid, Date.now()); // ok: unbounded-collection
}

async function flushUpdates(publisher) {
  const batch = [...pendingUpdates.keys()];
  pendingUpdates.clear();
  for (const uid of batch) {
    await publisher.publish({ event: 'profileDataChange', uid });
  }
}

/* ---------------- lib/routes/profile.js ---------------- */
const profileByToken = new Map();

const profileRoute = {
  auth: { strategy: 'oauth', scope: ['profile'] },
  response: {
    schema: Joi.object({
      uid: Joi.string().regex(validate.hex),
      email: Joi.string().allow(null),
      displayName: Joi.string().allow(null),
      avatar: Joi.string().max(256),
    }).unknown(true),
  },
  handler: async function profile(req) {
    const creds = req.auth.credentials;
    const token = req.auth.token;
    let result = profileByToken.get(token);
    if (!result) {
      const [avatar, displayName] = await Promise.all([db.getSelectedAvatar(creds.user), db.getDisplayName(creds.user)]);
      result = { uid: creds.user, email: creds.email, displayName: displayName && displayName.displayName, avatar: avatar && avatar.url };
      profileByToken.set(token, result); // leak: unbounded-cache
    }
    const key = `${req.route.path}:${creds.client_id}:${token.slice(0, 8)}`;
    global.fxaRouteCounters[key] = (global.fxaRouteCounters[key] || 0) + 1; // leak: global-growth
    return result;
  },
};

/* ---------------- lib/routes/avatar/upload.js ---------------- */
let lastUploadHook = null;

const avatarUploadRoute = {
  auth: { strategy: 'oauth', scope: ['profile:avatar:write'] },
  payload: { allow: ['image/png', 'image/jpeg'], maxBytes: config.get('img.uploads.maxSize'), output: 'data', parse: false },
  response: { schema: { url: Joi.string().required(), id: Joi.string().regex(validate.hex).length(32) } },
  handler: async function upload(req, h) {
    const uid = req.auth.credentials.user;
    const id = img.id();
    const url = config.get('img.url').replace('{id}', hex(id));
    const payload = req.payload;
    await workers.upload(id, payload, req.headers);
    await db.addAvatar(id, uid, url, 'fxa');

    const previousHook = lastUploadHook;
    const describe = () => `${payload.length} bytes for ${uid}; ${previousHook ? 'replaces' : 'first'} hook`;
    logger.info('upload.done', { detail: describe() });
    // the hook only needs uid, but it shares a scope with describe(): payload and the old hook stay
    lastUploadHook = () => notifyProfileUpdated(uid); // leak: closure-capture
    lastUploadHook();
    return h.response({ url, id: hex(id) }).code(201);
  },
};

/* ---------------- lib/routes/avatar/delete.js ---------------- */
const avatarDeleteRoute = {
  auth: { strategy: 'oauth', scope: ['profile:avatar:write'] },
  validate: { params: { id: Joi.string().length(32).regex(validate.hex).optional() } },
  handler: async function deleteAvatar(req) {
    const uid = req.auth.credentials.user;
    const avatar = await db.getSelectedAvatar(uid);
    if (avatar) {
      await db.deleteAvatar(hex(avatar.id));
      await workers.delete(hex(avatar.id)).then(() => notifyProfileUpdated(uid)); // ok: closure-capture
    }
    for (const [token, profile] of profileByToken) {
      if (profile.uid === uid) profileByToken.delete(token);
    }
    return {};
  },
};

/* ---------------- lib/batch.js ---------------- */
async function batch(request, routeFieldsMap) {
  const result = {}; // ok: unbounded-collection
  const subrequests = Object.keys(routeFieldsMap).map(async (url) => {
    const res = await request.server.inject({ allowInternals: true, method: 'get', url, headers: request.headers, auth: { credentials: request.auth.credentials, strategy: 'oauth' } });
    if (res.statusCode === 200) {
      for (const field of routeFieldsMap[url] || []) result[field] = res.result[field]; // ok: unbounded-collection
    }
  });
  await Promise.all(subrequests);
  return result;
}

/* ---------------- lib/server/web.js ---------------- */
exports.create = async function createServer(publisher) {
  const server = new Hapi.Server({
    host: config.get('server.host'),
    port: config.get('server.port'),
    routes: { cors: true, security: { hsts: { maxAge: 15552000, includeSubdomains: true } } },
  });

  const emailCache = server.cache({ segment: 'email', expiresIn: 60 * 1000, generateTimeout: 2000 }); // ok: unbounded-cache
  server.method('getEmail', async (uid) => (await emailCache.get(uid)) || db.getEmail(uid));

  server.route([
    { method: 'GET', path: '/v1/profile', options: profileRoute },
    { method: 'POST', path: '/v1/avatar/upload', options: avatarUploadRoute },
    { method: 'DELETE', path: '/v1/avatar/{id?}', options: avatarDeleteRoute },
    {
      method: 'GET',
      path: '/v1/batch-profile',
      options: { auth: { strategy: 'oauth', scope: ['profile'] } },
      handler: (req) => batch(req, { '/v1/profile': ['uid', 'email', 'displayName'], '/v1/avatar': ['avatar'] }),
    },
  ]);

  server.ext('onPreResponse', (request, h) => { // ok: listener-leak
    const response = request.response;
    if (response.isBoom && response.output.statusCode >= 500) {
      logger.error('request.failed', { path: request.path, err: response.message });
    }
    return h.continue;
  });

  server.events.on('response', (request) => { // ok: listener-leak
    logger.info('request.summary', { path: request.path, status: request.response && request.response.statusCode, t: Date.now() - request.info.received });
  });

  flushTimer = setInterval(() => { // ok: timer-leak
    flushUpdates(publisher).catch((err) => logger.error('updates.flush', err));
  }, config.get('updates.flushInterval'));

  server.events.on('stop', () => { // ok: listener-leak
    clearInterval(flushTimer);
    flushTimer = null;
  });

  return server;
};
