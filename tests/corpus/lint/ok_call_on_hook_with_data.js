'use strict';
// An IMAP-style command handler asks the server's hook for an answer: `onFetch(box, query,
// session, done)` is a method called with data and a callback for its reply, not a listener
// registered on the long-lived server (read from session 11's half F reviews).
class FetchCommand {
  constructor(connection) {
    this.connection = connection;
    this._server = connection.server;
  }

  handler(command, callback) {
    const query = { uid: command.uid, flags: true };
    this._server.onFetch(this.connection.mailbox, query, this.connection.session, (err, ok) => {
      if (err) {
        return callback(err);
      }
      callback(null, { response: ok ? 'OK' : 'NO' });
    });
  }
}

module.exports = FetchCommand;
