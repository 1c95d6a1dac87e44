'use strict';

// packages/shared-metrics/src/gc.js of the Instana Node.js collector. The announce cycle
// calls activate() when the agent is reachable and deactivate() when the connection to it
// is lost, over and over while the agent is down.
const slidingWindow = require('./slidingWindow');

const windowOpts = { duration: 1000 };
const minorGcWindow = slidingWindow.create(windowOpts);
const majorGcWindow = slidingWindow.create(windowOpts);
const gcPauseWindow = slidingWindow.create(windowOpts);

/** @type {*} */
let gcStats;
let activateHasBeenCalled = false;
let hasBeenActivated = false;

exports.payloadPrefix = 'gc';

exports.currentPayload = {
  minorGcs: 0,
  majorGcs: 0,
  gcPause: 0,
  statsSupported: false
};

exports.init = function init(nativeModuleLoader) {
  nativeModuleLoader.once('loaded', gcStats_ => {
    gcStats = gcStats_;
    exports.currentPayload.statsSupported = true;
    if (activateHasBeenCalled && gcStats && typeof gcStats.on === 'function') {
      actuallyActivate();
    }
  });
};

exports.activate = function activate() {
  activateHasBeenCalled = true;
  if (gcStats && typeof gcStats.on === 'function') {
    actuallyActivate();
  }
};

/** @type {NodeJS.Timeout} */
let senseIntervalHandle;

function actuallyActivate() {
  if (hasBeenActivated) {
    return;
  }
  hasBeenActivated = true;
  gcStats.on('stats', (/** @type {*} */ stats) => { // leak: listener-leak
    // gcstats exposes start and end in nanoseconds
    const pause = (stats.end - stats.start) / 1000000;
    gcPauseWindow.addPoint(pause);
    const type = stats.gctype;
    if (type === 1) {
      minorGcWindow.addPoint(1);
    } else if (type === 2) {
      majorGcWindow.addPoint(1);
    }
    exports.currentPayload.usedHeapSizeAfterGc = stats.after.usedHeapSize;
  });
  startSensing();
}

function startSensing() {
  senseIntervalHandle = setInterval(() => {
    exports.currentPayload.minorGcs = minorGcWindow.sum();
    exports.currentPayload.majorGcs = majorGcWindow.sum();
    exports.currentPayload.gcPause = gcPauseWindow.sum();
  }, 1000);
  senseIntervalHandle.unref();
}

exports.deactivate = function deactivate() {
  if (senseIntervalHandle) {
    clearInterval(senseIntervalHandle);
  }
  activateHasBeenCalled = false;
  hasBeenActivated = false;
};
