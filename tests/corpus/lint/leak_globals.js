function track(req) {
  global.requestLog = global.requestLog || [];
  global.requestLog.push({ url: req.url, at: Date.now() }); // expect: global-collection-growth
}

function rememberSession(id, data) {
  globalThis.sessions = globalThis.sessions || new Map();
  globalThis.sessions.set(id, data); // expect: global-collection-growth
}

function exposeResult(name, value) {
  globalThis[`result_${name}`] = value; // expect: global-collection-growth
}

module.exports = { track, rememberSession, exposeResult };
