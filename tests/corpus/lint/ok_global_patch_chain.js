'use strict';
// Look-alikes: patches that check for their own mark first, a patch whose original is put
// back, and a wrapper installed on an object of this module's own.
const http = require('node:http');
const kTraced = Symbol.for('tracer.traced');

if (!http.request[kTraced]) {
  const originalRequest = http.request;
  http.request = function tracedRequest(...args) {
    return originalRequest.apply(this, args);
  };
  http.request[kTraced] = true;
}

let savedLog;
function withRequestLogging(requestId) {
  savedLog = savedLog || console.log;
  console.log = (...parts) => savedLog(`[${requestId}]`, ...parts);
}

function restoreLogging() {
  console.log = savedLog;
}

const client = { send(message) { return message; } };
const send = client.send;
client.send = (message) => send(message.trim());

module.exports = { withRequestLogging, restoreLogging, client };
