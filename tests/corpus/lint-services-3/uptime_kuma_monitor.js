const { BeanModel } = require("redbean-node/dist/bean-model");
const { R } = require("redbean-node");
const axios = require("axios");
const https = require("https");
const dayjs = require("dayjs");
const { EventEmitter } = require("events");
const express = require("express");
const { log, UP, DOWN, PENDING, MAINTENANCE, flipStatus } = require("../src/util");
const { checkLogin } = require("./util-server");
const { Prometheus } = require("./prometheus");
const { Notification } = require("./notification");
const { makeBadge } = require("badge-maker");
const apicache = require("./modules/apicache");

/**
 * Keep-alive agent shared by HTTP monitors that verify certificates
 * @type {https.Agent}
 */
const sharedHttpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 }); // ok: resource-per-request

/**
 * Heartbeats are re-emitted here so that status page sockets can follow them
 * @type {EventEmitter}
 */
const monitorEvents = new EventEmitter();
monitorEvents.setMaxListeners(0);

/**
 * Rendered badge SVGs, keyed by the full request URL
 * @type {Object<string, string>}
 */
const badgeCache = {};

class Monitor extends BeanModel {
    /** @type {NodeJS.Timeout|null} */
    heartbeatInterval = null;
    /** @type {NodeJS.Timeout|null} */
    certExpiryInterval = null;
    /** @type {Array<object>} */
    importantHeartbeatList = [];
    /** @type {number[]} */
    recentPings = [];
    isStop = false;

    /**
     * Start monitor
     * @param {Server} io Socket server instance
     * @returns {Promise<void>}
     */
    async start(io) {
        let previousBeat = null;
        let retries = 0;
        this.isStop = false;
        this.prometheus = new Prometheus(this);

        const beat = async () => {
            let beatInterval = this.interval;
            let bean = R.dispense("heartbeat");
            bean.monitor_id = this.id;
            bean.time = R.isoDateTimeMillis(dayjs.utc());
            bean.status = DOWN;

            try {
                if (this.type === "http" || this.type === "keyword") {
                    const agent = this.ignoreTls ? new https.Agent({ rejectUnauthorized: false, keepAlive: true }) : sharedHttpsAgent; // leak: resource-per-request
                    const startTime = dayjs().valueOf();
                    const res = await axios.get(this.url, { timeout: this.timeout * 1000, httpsAgent: agent, maxRedirects: this.maxredirects });
                    bean.ping = dayjs().valueOf() - startTime;
                    bean.msg = `${res.status} - ${res.statusText}`;
                    bean.status = UP;
                }
            } catch (error) {
                bean.msg = error.message;
                if (this.maxretries > 0 && retries < this.maxretries) {
                    retries++;
                    bean.status = PENDING;
                }
            }

            const isImportant = Monitor.isImportantBeat(!previousBeat, previousBeat?.status, bean.status);
            if (isImportant) {
                bean.important = true;
                this.importantHeartbeatList.push(bean.toJSON()); // leak: unbounded-collection
                await Monitor.sendNotification(!previousBeat, this, bean);
            }

            if (bean.ping) {
                this.recentPings.push(bean.ping); // ok: unbounded-collection
                if (this.recentPings.length > 100) {
                    this.recentPings.shift();
                }
            }

            io.to(this.user_id).emit("heartbeat", bean.toJSON());
            monitorEvents.emit("heartbeat", bean.toJSON());
            await R.store(bean);
            this.prometheus?.update(bean, null);
            previousBeat = bean;

            if (!this.isStop) {
                this.heartbeatInterval = setTimeout(safeBeat, beatInterval * 1000); // ok: timer-leak
            }
        };

        const safeBeat = async () => {
            try {
                await beat();
            } catch (e) {
                log.error("monitor", "Please report to https://github.com/louislam/uptime-kuma/issues");
                if (!this.isStop) {
                    this.heartbeatInterval = setTimeout(safeBeat, this.retryInterval * 1000); // ok: timer-leak
                }
            }
        };

        this.certExpiryInterval = setInterval(() => this.checkCertExpiryNotifications(), 6 * 3600 * 1000); // leak: timer-leak

        await safeBeat();
    }

    /**
     * Stop monitor
     * @returns {void}
     */
    stop() {
        clearTimeout(this.heartbeatInterval);
        this.isStop = true;
        this.prometheus?.remove();
    }

    /**
     * Whether a beat changes the state enough to notify
     * @param {boolean} isFirstBeat first beat of the monitor
     * @param {number} previousBeatStatus status of the previous beat
     * @param {number} currentBeatStatus status of this beat
     * @returns {boolean} important or not
     */
    static isImportantBeat(isFirstBeat, previousBeatStatus, currentBeatStatus) {
        return isFirstBeat || previousBeatStatus !== currentBeatStatus;
    }

    /**
     * @param {boolean} isFirstBeat first beat of the monitor
     * @param {Monitor} monitor the monitor
     * @param {object} bean the heartbeat
     * @returns {Promise<void>}
     */
    static async sendNotification(isFirstBeat, monitor, bean) {
        if (isFirstBeat) {
            return;
        }
        const notificationList = await R.getAll("SELECT notification.* FROM notification, monitor_notification WHERE monitor_id = ? AND monitor_notification.notification_id = notification.id ", [monitor.id]);
        for (let notification of notificationList) {
            try {
                await Notification.send(JSON.parse(notification.config), `[${monitor.name}] [${bean.status === UP ? "Up" : "Down"}] ${bean.msg}`, monitor.toJSON(), bean.toJSON());
            } catch (e) {
                log.error("monitor", "Cannot send notification to " + notification.name);
            }
        }
    }
}

/**
 * Status page socket handlers
 * @param {Socket} socket socket of a status page visitor
 * @returns {void}
 */
module.exports.statusPageFollowHandler = (socket) => {
    const sendToSocket = (beat) => socket.emit("statusPageHeartbeat", beat);

    socket.on("followStatusPage", async (slug, callback) => { // ok: listener-leak
        try {
            monitorEvents.on("heartbeat", sendToSocket); // leak: listener-leak
            callback({ ok: true });
        } catch (error) {
            callback({ ok: false, msg: error.message });
        }
    });

    socket.on("disconnect", () => {
        monitorEvents.off("heartbeat", (beat) => sendToSocket(beat));
    });
};

/**
 * Dashboard socket handlers
 * @param {Socket} socket socket of a logged in user
 * @param {UptimeKumaServer} server server instance
 * @returns {void}
 */
module.exports.monitorSocketHandler = (socket, server) => {
    const onImportantBeat = (beat) => socket.emit("importantHeartbeat", beat);
    monitorEvents.on("important", onImportantBeat); // ok: listener-leak
    socket.once("disconnect", () => monitorEvents.off("important", onImportantBeat));

    socket.on("pauseMonitor", async (monitorID, callback) => {
        try {
            checkLogin(socket);
            await R.exec("UPDATE monitor SET active = 0 WHERE id = ? AND user_id = ? ", [monitorID, socket.userID]);
            if (monitorID in server.monitorList) {
                server.monitorList[monitorID].stop();
                delete server.monitorList[monitorID];
            }
            callback({ ok: true, msg: "successPaused", msgi18n: true });
        } catch (e) {
            callback({ ok: false, msg: e.message });
        }
    });

    socket.on("resumeMonitor", async (monitorID, callback) => {
        try {
            checkLogin(socket);
            await R.exec("UPDATE monitor SET active = 1 WHERE id = ? AND user_id = ? ", [monitorID, socket.userID]);
            const monitor = await R.findOne("monitor", " id = ? ", [monitorID]);
            server.monitorList[monitor.id]?.stop();
            server.monitorList[monitor.id] = monitor; // ok: unbounded-collection
            await monitor.start(server.io);
            await loadSlugMap();
            callback({ ok: true, msg: "successResumed", msgi18n: true });
        } catch (e) {
            callback({ ok: false, msg: e.message });
        }
    });
};

/**
 * Slug of each status page, rebuilt as a whole from the database
 * @type {Object<number, string>}
 */
let slugById = {};

/**
 * Reload the status page slugs
 * @returns {Promise<void>}
 */
async function loadSlugMap() {
    const rows = await R.getAll("SELECT id, slug FROM status_page");
    const next = {};
    for (const row of rows) {
        next[row.id] = row.slug; // ok: unbounded-cache
    }
    slugById = next;
}

const router = express.Router();

router.get("/api/badge/:id/status", async (request, response) => {
    const key = request.originalUrl;
    if (!(key in badgeCache)) {
        const heartbeat = await R.getRow("SELECT status FROM heartbeat WHERE monitor_id = ? ORDER BY time DESC LIMIT 1", [request.params.id]);
        badgeCache[key] = makeBadge({ label: request.query.label ?? "Status", message: heartbeat?.status === UP ? (request.query.upLabel ?? "Up") : (request.query.downLabel ?? "Down") }); // leak: unbounded-cache
    }
    response.type("image/svg+xml");
    response.send(badgeCache[key]);
});

router.get("/api/badge/:id/uptime", apicache.middleware("5 minutes"), async (request, response) => { // ok: unbounded-cache
    const uptime = await R.getCell("SELECT AVG(status = 1) FROM heartbeat WHERE monitor_id = ? AND time > ?", [request.params.id, R.isoDateTime(dayjs.utc().subtract(1, "day"))]);
    response.type("image/svg+xml");
    response.send(makeBadge({ label: "Uptime", message: `${Math.round((uptime ?? 0) * 10000) / 100}%` }));
});

module.exports.Monitor = Monitor;
module.exports.monitorEvents = monitorEvents;
module.exports.apiRouter = router;
module.exports.getSlug = (id) => slugById[id];
