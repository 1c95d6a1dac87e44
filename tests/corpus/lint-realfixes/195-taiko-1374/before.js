// lib/helper.js (the shared timeouts list) and lib/doActionAwaitingNavigation.js,
// in one file. Every click, goto, write ... that may navigate runs through
// doActionAwaitingNavigation; a test run or a scraper does thousands of them
// on one browser.
const { eventHandler } = require('./eventBus');
const { defaultConfig } = require('./config');
const runtimeHandler = require('./handlers/runtimeHandler');

// timers to clear when the browser is closed (closeBrowser walks this list)
const timeouts = [];

const wait = (time) => new Promise((resolve) => setTimeout(resolve, time));

const doActionAwaitingNavigation = async (options, action) => {
  if (!options.waitForNavigation) {
    return action();
  }
  let promises = [];
  let listenerCallbackMap = {};
  options.navigationTimeout = options.navigationTimeout || defaultConfig.navigationTimeout;

  const func = (promise) => {
    promises.push(promise);
  };
  listenerCallbackMap['xhrEvent'] = func;
  listenerCallbackMap['frameEvent'] = func;
  eventHandler.addListener('xhrEvent', func);
  eventHandler.addListener('frameEvent', func);

  try {
    await action();
    await waitForPromises(promises, options.waitForStart);
    await waitForNavigation(options.navigationTimeout, promises);
  } catch (e) {
    if (e === 'Timedout') {
      throw new Error(`Navigation took more than ${options.navigationTimeout}ms. Please increase the navigationTimeout.`);
    }
    throw e;
  } finally {
    for (var listener in listenerCallbackMap) {
      eventHandler.removeListener(listener, listenerCallbackMap[listener]);
    }
  }
};

const waitForPromises = (promises, waitForStart) => {
  return Promise.race([
    wait(waitForStart),
    new Promise(function waitForPromise(resolve) {
      if (promises.length) {
        const timeoutId = setTimeout(resolve, waitForStart / 5);
        timeouts.push(timeoutId); // leak: global-growth
      } else {
        const timeoutId = setTimeout(() => {
          waitForPromise(resolve);
        }, waitForStart / 5);
        timeouts.push(timeoutId); // leak: global-growth
      }
    }),
  ]);
};

const waitForNavigation = (timeout, promises = []) => {
  return new Promise((resolve, reject) => {
    Promise.all(promises)
      .then(async () => {
        const state = await runtimeHandler.runtimeEvaluate('document.readyState');
        if (state.result.value === 'complete') {
          resolve();
        }
      })
      .catch(reject);
    const timeoutId = setTimeout(() => reject('Timedout'), timeout);
    timeouts.push(timeoutId); // leak: global-growth
  });
};

const closeBrowser = async () => {
  timeouts.forEach((timeout) => {
    if (timeout) {
      clearTimeout(timeout);
    }
  });
};

module.exports = {
  doActionAwaitingNavigation,
  closeBrowser,
};
