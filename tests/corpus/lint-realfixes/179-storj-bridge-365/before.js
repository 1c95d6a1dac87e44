'use strict';

const hat = require('hat');
const assert = require('assert');
const express = require('express');
const crossorigin = require('cors');
const Config = require('./config');
const log = require('./logger');

/**
 * Primary interface to Bridge (the glue): one per process
 * @constructor
 * @param {Config} config
 */
function Engine(config) {
  if (!(this instanceof Engine)) {
    return new Engine(config);
  }

  assert(config instanceof Config, 'Invalid config supplied');

  this._config = config;
  this._pendingResponses = [];
  this._healthInterval = null;
}

Engine.RESPONSE_CLEAN_INTERVAL = 5000;

Engine.prototype._configureApp = function() {
  log.info('configuring service endpoints');

  let self = this;
  const app = express();

  self._keepPendingResponsesClean();
  app.use(this._trackResponseStatus.bind(this));
  app.use(crossorigin({
    origin: true,
    credentials: true
  }));

  return app;
};

/**
 * Keeps tabs on all of the pending responses (middleware: every request)
 * @private
 */
Engine.prototype._trackResponseStatus = function(req, res, next) {
  this._pendingResponses[hat()] = res; // leak: unbounded-collection
  next();
};

/**
 * Clean up the pending request stack
 * @private
 */
Engine.prototype._keepPendingResponsesClean = function() {
  var self = this;

  setInterval(function() {
    for (var id in self._pendingResponses) {
      if (self._pendingResponses[id].finished) {
        delete self._pendingResponses[id];
      }
    }
  }, Engine.RESPONSE_CLEAN_INTERVAL);
};

/**
 * Count all current unfinished responses (health log)
 * @private
 */
Engine.prototype._countPendingResponses = function() {
  let count = 0;
  for (var id in this._pendingResponses) {
    if (!this._pendingResponses[id].finished) {
      count++;
    } else {
      delete this._pendingResponses[id];
    }
  }
  return count;
};

module.exports = Engine;
