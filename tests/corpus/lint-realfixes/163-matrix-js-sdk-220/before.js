"use strict";

var EventEmitter = require("events").EventEmitter;
var utils = require("./utils");
var SyncApi = require("./sync");

function MatrixClient(opts) {
    EventEmitter.call(this);
    this._http = opts.http;
    this._crypto = opts.crypto || null;
    this._supportsVoip = opts.supportsVoip !== false;
    this._isGuest = Boolean(opts.isGuest);
    this._turnServers = [];
    this.clientRunning = false;
    this._syncApi = null;
}
utils.inherits(MatrixClient, EventEmitter);

MatrixClient.prototype.isGuest = function() {
    return this._isGuest;
};

MatrixClient.prototype.turnServer = function() {
    return this._http.authedRequest(undefined, "GET", "/voip/turnServer");
};

MatrixClient.prototype.startClient = function(opts) {
    if (this.clientRunning) {
        return;
    }
    this.clientRunning = true;

    if (this._crypto) {
        this._crypto.uploadKeys(5).done();
        var tenMinutes = 1000 * 60 * 10;
        var self = this;
        this._uploadIntervalID = global.setInterval(function() {
            self._crypto.uploadKeys(5).done();
        }, tenMinutes);
    }

    // periodically poll for turn servers if we support voip
    checkTurnServers(this);

    this._syncApi = new SyncApi(this, opts);
    this._syncApi.sync();
};

MatrixClient.prototype.stopClient = function() {
    this.clientRunning = false;
    if (this._syncApi) {
        this._syncApi.stop();
        this._syncApi = null;
    }
    if (this._crypto) {
        global.clearInterval(this._uploadIntervalID);
    }
};

function checkTurnServers(client) {
    if (!client._supportsVoip) {
        return;
    }
    if (client.isGuest()) {
        return; // guests can't access TURN servers
    }

    client.turnServer().done(function(res) {
        if (res.uris) {
            client._turnServers = [{
                urls: res.uris,
                username: res.username,
                credential: res.password
            }];
            // fetch again a little before the credentials expire
            setTimeout(function() { checkTurnServers(client); }, // leak: timer-leak
                (res.ttl || (60 * 60)) * 1000 * 0.9
            );
        }
    }, function(err) {
        console.error("Failed to get TURN URIs");
        setTimeout(function() { checkTurnServers(client); }, 60000); // leak: timer-leak
    });
}

module.exports = MatrixClient;
