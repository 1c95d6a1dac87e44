'use strict';

// A hapi plugin in the shape of the hapi ecosystem's own plugins (@hapi/yar, hapi-pino,
// @hapi/crumb): an exported { plugin: { name, version, register } } whose register(server,
// options) runs once, adds server.ext hooks (run per request), decorations, server methods with
// catbox caching, routes with Joi validation, and cleans up on server.events 'stop'.

const Hoek = require('@hapi/hoek');
const Boom = require('@hapi/boom');
const Joi = require('joi');
const Wreck = require('@hapi/wreck');
const { Client: Catbox } = require('@hapi/catbox');
const CatboxRedis = require('@hapi/catbox-redis');
const Http = require('http');

const internals = {
    defaults: {
        name: 'sid',
        ttl: 20 * 60 * 1000,
        maxCookieSize: 1024,
        profileUrl: 'http://127.0.0.1:8100/profile'
    },
    sessionsSeen: 0
};

// the process-wide registry other plugins read
global.hapiSessions = global.hapiSessions || { flash: {}, audit: [] };

internals.schema = Joi.object({
    name: Joi.string(),
    ttl: Joi.number().integer().min(0),
    maxCookieSize: Joi.number().integer().min(0),
    profileUrl: Joi.string().uri(),
    cache: Joi.object()
});

internals.Store = class {

    constructor(cache) {

        this._cache = cache;
        this._local = new Map();          // id -> { value, expires }
        this._reaper = null;
    }

    start(interval) {

        this._reaper = setInterval(() => this._reap(), interval);             // ok: timer-leak
    }

    stop() {

        clearInterval(this._reaper);
        this._local.clear();
    }

    async get(id) {

        const local = this._local.get(id);
        if (local && local.expires > Date.now()) {
            return local.value;
        }

        const cached = await this._cache.get({ segment: 'sessions', id });
        return cached ? cached.item : null;
    }

    async set(id, value, ttl) {

        this._local.set(id, { value, expires: Date.now() + ttl });             // ok: unbounded-cache
        await this._cache.set({ segment: 'sessions', id }, value, ttl);
    }

    _reap() {

        const now = Date.now();
        for (const [id, entry] of this._local) {
            if (entry.expires <= now) {
                this._local.delete(id);
            }
        }
    }
};

exports.plugin = {
    pkg: { name: 'session-lite', version: '2.1.0' },
    requirements: { hapi: '>=20.0.0' },

    register: async function (server, options) {

        const settings = Hoek.applyToDefaults(internals.defaults, options);
        Joi.assert(settings, internals.schema, 'Invalid session-lite options');

        const cache = new Catbox(new CatboxRedis.Engine({ partition: 'sessions' }));      // ok: resource-per-request
        await cache.start();
        const store = new internals.Store(cache);
        store.start(settings.ttl);

        const agent = new Http.Agent({ keepAlive: true, maxSockets: 20 });                // ok: resource-per-request
        const profileCache = new Map();
        const tokenCache = server.cache({ segment: 'tokens', expiresIn: 60 * 1000 });   // ok: unbounded-cache
        const pendingLogouts = new Set();

        server.events.on('stop', async () => {                                        // ok: listener-leak

            store.stop();
            agent.destroy();
            await cache.stop();
        });

        server.method('sessions.profile', async (userId) => {                          // ok: unbounded-cache

            const { payload } = await Wreck.get(`${settings.profileUrl}/${userId}`, { json: true, agent });
            return payload;
        }, { cache: { expiresIn: 30 * 1000, generateTimeout: 2000 } });

        const loadProfile = async (userId) => {

            if (profileCache.has(userId)) {
                return profileCache.get(userId);
            }

            const { payload } = await Wreck.get(`${settings.profileUrl}/${userId}`, { json: true, agent });
            profileCache.set(userId, payload);                                         // leak: unbounded-cache
            return payload;
        };

        server.decorate('request', 'session', null, { apply: false });

        server.ext('onPreAuth', async (request, h) => {

            const id = request.state[settings.name];
            request.session = id ? (await store.get(id)) || {} : {};
            request.session._id = id || Hoek.uniqueFilename('', '').slice(0, 24);
            internals.sessionsSeen++;
            return h.continue;
        });

        server.ext('onPreResponse', async (request, h) => {

            const session = request.session;
            if (!session) {
                return h.continue;
            }

            await store.set(session._id, session, settings.ttl);
            h.state(settings.name, session._id);
            return h.continue;
        });

        server.ext('onRequest', (request, h) => {

            // every request subscribes to the server's 'response' event
            server.events.on('response', (req) => {                                     // leak: listener-leak
                if (req.info.id === request.info.id) {
                    request.log(['session'], `responded in ${Date.now() - req.info.received}ms`);
                }
            });
            return h.continue;
        });

        server.ext('onPostAuth', (request, h) => {

            if (request.auth.isAuthenticated) {
                global.hapiSessions.audit.push({ user: request.auth.credentials.id, path: request.path, at: Date.now() });   // leak: global-growth
            }

            return h.continue;
        });

        server.route({
            method: 'POST',
            path: '/session/flash',
            options: {
                validate: { payload: Joi.object({ type: Joi.string().required(), message: Joi.string().required() }) }
            },
            handler: (request, h) => {

                const { type, message } = request.payload;
                const id = request.session._id;
                const bucket = global.hapiSessions.flash[id] || [];
                bucket.push({ type, message });                                          // ok: unbounded-collection
                global.hapiSessions.flash[id] = bucket;                                   // leak: global-growth
                return h.response().code(204);
            }
        });

        server.route({
            method: 'GET',
            path: '/session/flash',
            handler: (request) => {

                const id = request.session._id;
                const messages = global.hapiSessions.flash[id] || [];
                delete global.hapiSessions.flash[id];
                return messages;
            }
        });

        server.route({
            method: 'GET',
            path: '/session/me',
            handler: async (request) => {

                const userId = request.auth.credentials && request.auth.credentials.id;
                if (!userId) {
                    throw Boom.unauthorized();
                }

                const [profile, token] = await Promise.all([loadProfile(userId), tokenCache.get(userId)]);
                return { profile, hasToken: Boolean(token) };
            }
        });

        server.route({
            method: 'POST',
            path: '/session/logout',
            handler: (request, h) => {

                const id = request.session._id;
                pendingLogouts.add(id);                                                    // leak: unbounded-collection
                const timer = setTimeout(() => {                                           // ok: timer-leak
                    store._local.delete(id);
                }, 1000);
                timer.unref();
                return h.response().unstate(settings.name).code(204);
            }
        });

        server.route({
            method: 'GET',
            path: '/session/upstream-health',
            handler: async () => {

                const probeAgent = new Http.Agent({ keepAlive: true });                    // leak: resource-per-request
                const { res } = await Wreck.get(`${settings.profileUrl}/health`, { agent: probeAgent });
                return { status: res.statusCode };
            }
        });

        server.expose('store', store);
    }
};
