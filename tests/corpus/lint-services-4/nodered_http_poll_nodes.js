/**
 * Copyright JS Foundation and other contributors, http://js.foundation
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 **/

module.exports = function (RED) {
    "use strict";
    const http = require("http");
    const https = require("https");
    const { URL } = require("url");
    const mustache = require("mustache");

    global.nodeRedEndpointStats = global.nodeRedEndpointStats || {}; // ok: global-growth

    // ---------------------------------------------------------------
    // config node: one per configured endpoint, shared by many nodes
    // ---------------------------------------------------------------
    function HTTPEndpointNode(n) {
        RED.nodes.createNode(this, n);
        const node = this;
        node.baseUrl = n.baseUrl;
        node.users = {};
        node.connected = false;
        node.agent = new (n.baseUrl.startsWith("https") ? https : http).Agent({ keepAlive: true, maxSockets: 8 }); // ok: resource-per-request

        node.register = function (user) {
            node.users[user.id] = user; // ok: unbounded-collection
            if (Object.keys(node.users).length === 1) {
                node.connect();
            }
        };

        node.deregister = function (user, done) {
            delete node.users[user.id];
            if (Object.keys(node.users).length === 0) {
                node.disconnect(done);
            } else {
                done();
            }
        };

        node.connect = function () {
            node.connected = true;
            node.healthTimer = setInterval(function () { // ok: timer-leak
                const req = http.get(node.baseUrl + "/health", { agent: node.agent }, function (res) {
                    node.emit(res.statusCode === 200 ? "healthy" : "unhealthy");
                    res.resume();
                });
                req.on("error", function () { node.emit("unhealthy"); }); // ok: listener-leak
            }, 30000);
        };

        node.disconnect = function (done) {
            clearInterval(node.healthTimer);
            node.connected = false;
            done();
        };

        node.on("close", function (done) { // ok: listener-leak
            clearInterval(node.healthTimer);
            node.agent.destroy();
            done();
        });
    }
    RED.nodes.registerType("http-endpoint", HTTPEndpointNode, {
        credentials: { user: { type: "text" }, password: { type: "password" } }
    });

    // ---------------------------------------------------------------
    // request node: one per flow node, recreated on every deploy
    // ---------------------------------------------------------------
    function HTTPEndpointRequestNode(n) {
        RED.nodes.createNode(this, n);
        const node = this;
        node.endpoint = RED.nodes.getNode(n.endpoint);
        node.method = n.method || "GET";
        node.path = n.path || "/";
        node.reqTimeout = parseInt(RED.settings.httpRequestTimeout) || 120000;
        node.pending = {};

        if (!node.endpoint) {
            node.error(RED._("httpin.errors.missing-config"));
            return;
        }
        node.endpoint.register(node);

        const onUnhealthy = function () {
            node.status({ fill: "red", shape: "ring", text: "endpoint down" });
        };
        node.endpoint.on("unhealthy", onUnhealthy); // ok: listener-leak

        const onFlowsStarted = function () { node.status({}); };
        RED.events.on("flows:started", onFlowsStarted); // ok: listener-leak

        // optional polling mode: emits a message every n.pollSeconds
        if (n.pollSeconds) {
            node.poller = setInterval(function () { // leak: timer-leak
                node.emit("input", { payload: "", topic: "poll" });
            }, n.pollSeconds * 1000);
        }

        this.on("input", function (msg, send, done) { // ok: listener-leak
            send = send || function () { node.send.apply(node, arguments); };
            let url = node.endpoint.baseUrl + mustache.render(node.path, msg);
            if (msg.url && typeof msg.url === "string") {
                url = msg.url;
            }
            const opts = new URL(url);
            const stats = global.nodeRedEndpointStats;
            stats[url] = (stats[url] || 0) + 1; // leak: global-growth

            // a proxy or tls override per message gets its own agent, never destroyed
            let agent = node.endpoint.agent;
            if (msg.rejectUnauthorized === false || msg.proxy) {
                agent = new https.Agent({ keepAlive: true, rejectUnauthorized: msg.rejectUnauthorized !== false }); // leak: resource-per-request
            }

            node.endpoint.on("healthy", function () { // leak: listener-leak
                node.status({ fill: "green", shape: "dot", text: "ok" });
            });

            node.status({ fill: "blue", shape: "dot", text: "httpin.status.requesting" });
            const lib = opts.protocol === "https:" ? https : http;
            const req = lib.request(opts, { method: node.method, agent }, function (res) {
                const chunks = [];
                res.on("data", function (chunk) { chunks.push(chunk); }); // ok: unbounded-collection
                res.on("end", function () { // ok: listener-leak
                    clearTimeout(timer);
                    delete node.pending[msg._msgid];
                    msg.statusCode = res.statusCode;
                    msg.headers = res.headers;
                    msg.payload = Buffer.concat(chunks).toString();
                    node.status({});
                    send(msg);
                    done();
                });
            });
            node.pending[msg._msgid] = req; // ok: unbounded-collection

            const timer = setTimeout(function () { // ok: timer-leak
                delete node.pending[msg._msgid];
                req.destroy();
                node.status({ fill: "red", shape: "ring", text: "common.notification.errors.no-response" });
                done(RED._("common.notification.errors.no-response"));
            }, node.reqTimeout);

            req.on("error", function (err) { // ok: listener-leak
                clearTimeout(timer);
                delete node.pending[msg._msgid];
                node.status({ fill: "red", shape: "ring", text: err.code });
                done(err);
            });
            if (msg.payload && node.method !== "GET") {
                req.write(typeof msg.payload === "string" ? msg.payload : JSON.stringify(msg.payload));
            }
            req.end();
        });

        this.on("close", function (removed, done) { // ok: listener-leak
            for (const id of Object.keys(node.pending)) {
                node.pending[id].destroy();
            }
            node.pending = {};
            node.endpoint.removeListener("unhealthy", onUnhealthy);
            RED.events.removeListener("flows:started", onFlowsStarted);
            node.status({});
            node.endpoint.deregister(node, done);
        });
    }
    RED.nodes.registerType("http-endpoint request", HTTPEndpointRequestNode);

    // admin route: added once when the palette module loads
    RED.httpAdmin.get("/http-endpoint/:id/status", RED.auth.needsPermission("http-endpoint.read"), function (req, res) {
        const endpoint = RED.nodes.getNode(req.params.id);
        if (!endpoint) {
            return res.sendStatus(404);
        }
        res.json({ connected: endpoint.connected, users: Object.keys(endpoint.users).length });
    });
};
