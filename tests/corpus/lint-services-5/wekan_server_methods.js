// Server-side board presence, import and webhook code after Wekan's server/ folder
// (server/publications/*.js, server/lib/*.js, models/*.js Meteor.methods blocks, SyncedCron jobs).
// Classic Meteor app file: no imports, collections and app-wide names are Meteor globals
// (declared without var), everything here is loaded once on the server.

ImportRuns = new Mongo.Collection('import_runs'); // ok: global-growth
boardViewersById = {}; // ok: global-growth
cardTitleCache = {}; // ok: global-growth

var lastImport = null;
var MAX_WEBHOOK_RETRIES = 5;

Meteor.startup(() => {
  SyncedCron.add({ // ok: timer-leak
    name: 'expire-board-viewers',
    schedule: (parser) => parser.text('every 5 minutes'),
    job() {
      const cutoff = Date.now() - 5 * 60 * 1000;
      Object.keys(boardViewersById).forEach((boardId) => {
        boardViewersById[boardId] = boardViewersById[boardId].filter((v) => v.at > cutoff); // ok: global-growth
        if (boardViewersById[boardId].length === 0) delete boardViewersById[boardId];
      });
    },
  });
  SyncedCron.start();
});

Accounts.onLogin(({ user, connection }) => { // ok: listener-leak
  Meteor.users.updateAsync(user._id, { $set: { lastConnectionDate: new Date(), 'profile.lastIp': connection.clientAddress } });
});

Meteor.onConnection((connection) => { // ok: listener-leak
  const viewing = new Set(); // ok: unbounded-collection
  connection.viewing = viewing;
  connection.onClose(() => { // ok: listener-leak
    viewing.forEach((boardId) => {
      if (!boardViewersById[boardId]) return;
      boardViewersById[boardId] = boardViewersById[boardId].filter((v) => v.connectionId !== connection.id); // ok: global-growth
    });
    viewing.clear();
  });
});

// ---- server/publications/boards.js ----
Meteor.publish('boardPresence', function (boardId) {
  check(boardId, String);
  if (!this.userId) return this.ready();

  const self = this;
  const handle = Meteor.users.find({ 'profile.currentBoard': boardId }, { fields: { username: 1, 'profile.avatarUrl': 1 } }).observeChanges({ // ok: listener-leak
    added(id, fields) { self.added('presence', id, fields); },
    changed(id, fields) { self.changed('presence', id, fields); },
    removed(id) { self.removed('presence', id); },
  });
  this.onStop(() => handle.stop());
  this.ready();
});

Meteor.publish('boardActivityTicker', function (boardId) {
  check(boardId, String);
  if (!this.userId) return this.ready();
  const self = this;
  let count = 0;

  Activities.find({ boardId }, { sort: { createdAt: -1 }, limit: 1 }).observeChanges({ // leak: listener-leak
    added() {
      count += 1;
      self.changed('ticker', boardId, { count });
    },
  });

  const tick = Meteor.setInterval(() => { // leak: timer-leak
    self.changed('ticker', boardId, { count, at: new Date() });
  }, 15000);

  self.added('ticker', boardId, { count });
  this.ready();
});

Meteor.publish('cardComments', function (cardId) {
  check(cardId, String);
  const self = this;
  const poll = Meteor.setInterval(() => self.changed('cardMeta', cardId, { polledAt: new Date() }), 30000); // ok: timer-leak
  this.onStop(() => Meteor.clearInterval(poll));
  return CardComments.find({ cardId });
});

// ---- models/boards.js methods ----
Meteor.methods({
  async enterBoard(boardId) {
    check(boardId, String);
    if (!this.userId) throw new Meteor.Error('not-authorized');
    const board = await Boards.findOneAsync(boardId);
    if (!board || !board.hasMember(this.userId)) throw new Meteor.Error('not-authorized');

    boardViewersById[boardId] = boardViewersById[boardId] || [];
    boardViewersById[boardId].push({ userId: this.userId, connectionId: this.connection && this.connection.id, at: Date.now() }); // ok: global-growth
    if (this.connection && this.connection.viewing) this.connection.viewing.add(boardId); // ok: unbounded-collection
    return boardViewersById[boardId].length;
  },

  async cardTitle(cardId) {
    check(cardId, String);
    if (cardTitleCache[cardId]) return cardTitleCache[cardId];
    const card = await Cards.findOneAsync(cardId, { fields: { title: 1 } });
    cardTitleCache[cardId] = card ? card.title : ''; // leak: global-growth
    return cardTitleCache[cardId];
  },

  async importBoard(json, importSource, currentBoard) {
    check(json, String);
    check(importSource, String);
    if (!this.userId) throw new Meteor.Error('not-authorized');

    const board = JSON.parse(json);
    const originalImport = lastImport;
    const summarize = function () {
      if (originalImport) return `${originalImport.source} -> ${board.title}`;
      return board.title;
    };
    await ImportRuns.insertAsync({ userId: this.userId, source: importSource, summary: summarize(), at: new Date() });

    lastImport = { // leak: closure-capture
      source: importSource,
      owner: this.userId,
      describe() { return `${importSource} by ${this.owner}`; },
    };

    const boardId = await Meteor.callAsync('createBoardFromImport', board, currentBoard);
    return boardId;
  },
});

// ---- server/lib/outgoingWebhooks.js ----
const pendingRetries = new Map();

function postWithRetry(integration, payload, attempt = 0) {
  return HTTP.post(integration.url, { data: payload, timeout: 10000 })
    .then(() => pendingRetries.delete(integration._id))
    .catch((err) => {
      if (attempt >= MAX_WEBHOOK_RETRIES) {
        pendingRetries.delete(integration._id);
        return;
      }
      pendingRetries.set(integration._id, { attempt, lastError: String(err) }); // ok: unbounded-collection
      Meteor.setTimeout(() => postWithRetry(integration, payload, attempt + 1), 2 ** attempt * 1000); // ok: timer-leak
    });
}

Activities.after.insert((userId, doc) => { // ok: listener-leak
  const integrations = Integrations.find({ boardId: doc.boardId, enabled: true }).fetch();
  integrations.forEach((integration) => postWithRetry(integration, { text: doc.activityType, cardId: doc.cardId }));
});
