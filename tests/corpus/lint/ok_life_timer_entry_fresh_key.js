'use strict';
// A chat hub: each socket gets a fresh session key before its session is stored, and the
// session is also indexed by account; the account index may be overwritten, but the session
// (and its keepalive) stays reachable under its own fresh key, where close() clears it.
const { randomUUID } = require('crypto');

class ChatHub {
  constructor() {
    this.sessions = new Map();
    this.byAccount = new Map();
  }

  join(sock, hello) {
    const session = { sock, account: hello.account };
    sock.sessionKey = randomUUID();
    this.sessions.set(sock.sessionKey, session);
    this.byAccount.set(hello.account, session);
    session.keepalive = setInterval(() => sock.ping(), 20_000);
    sock.on('close', () => this.leave(sock));
  }

  leave(sock) {
    const session = this.sessions.get(sock.sessionKey);
    if (!session) return;
    clearInterval(session.keepalive);
    this.sessions.delete(sock.sessionKey);
    if (this.byAccount.get(session.account) === session) this.byAccount.delete(session.account);
  }
}

module.exports = new ChatHub();
