// A module-level state object: its collections live as long as the process.
const state = {
  ready: false,
  sessions: new Map(),
  audit: [],
};

function openSession(socket, user) {
  state.sessions.set(socket.id, { user, openedAt: Date.now() });
  state.audit.push({ user: user.id, socket: socket.id, at: Date.now() }); // expect: module-collection-growth
}

function closeSession(socket) {
  state.sessions.delete(socket.id);
}

module.exports = { state, openSession, closeSession };
