'use strict';
// A hapi plugin whose per-request handlers use what register() made once, bounded: an LRU of
// profiles, one agent, entries taken out when they end, and a table register() fills itself.
const Wreck = require('@hapi/wreck');
const Http = require('http');
const { LRUCache } = require('lru-cache');

exports.plugin = {
    name: 'sessions',
    register: async (server, options) => {

        const agent = new Http.Agent({ keepAlive: true, maxSockets: 20 });
        const profiles = new LRUCache({ max: 1000, ttl: 60_000 });
        const pendingLogouts = new Set();
        const routesByName = new Map();

        for (const name of ['me', 'logout']) {
            routesByName.set(name, `/${name}`);
        }

        server.ext('onPreAuth', (request, h) => {

            request.app.startedAt = Date.now();
            return h.continue;
        });

        server.route([{
            method: 'POST',
            path: routesByName.get('logout'),
            handler: async (request) => {

                const sid = request.state.sid;
                pendingLogouts.add(sid);
                try {
                    await server.app.sessions.drop(sid);
                }
                finally {
                    pendingLogouts.delete(sid);
                }

                return null;
            }
        }, {
            method: 'GET',
            path: routesByName.get('me'),
            options: {
                handler: async (request) => {

                    const id = request.auth.credentials.id;
                    if (!profiles.has(id)) {
                        const { payload } = await Wreck.get(`${options.profileUrl}/${id}`, { json: true, agent });
                        profiles.set(id, payload);
                    }

                    return profiles.get(id);
                }
            }
        }]);

        server.events.on('stop', () => agent.destroy());
    }
};
