'use strict';
// A hapi plugin: register() runs once, but the handlers of its route configurations and its
// request-lifecycle extensions run per request, and they grow what register() made.
const Wreck = require('@hapi/wreck');
const Http = require('http');

const failedLogins = [];

exports.plugin = {
    name: 'sessions',
    register: async (server, options) => {

        const pendingLogouts = new Set();

        server.ext('onPreAuth', (request, h) => {

            if (!request.headers.authorization) {
                failedLogins.push({ path: request.path, at: Date.now() }); // expect: module-collection-growth
            }

            return h.continue;
        });

        server.route([{
            method: 'POST',
            path: '/logout',
            handler: (request) => {

                pendingLogouts.add(request.state.sid); // expect: module-collection-growth
                return null;
            }
        }, {
            method: 'GET',
            path: '/me',
            options: {
                handler: async (request) => Wreck.get(`${options.profileUrl}/${request.auth.credentials.id}`, { json: true })
            }
        }]);

        server.route({
            method: 'GET',
            path: '/upstream-health',
            handler: async () => {

                const agent = new Http.Agent({ keepAlive: true }); // expect: client-per-request
                const { res } = await Wreck.get(`${options.profileUrl}/health`, { agent });
                return { status: res.statusCode };
            }
        });
    }
};
