'use strict';

const debug = require('debug')('kuzzle-plugin-presence');

const DEFAULT_CONFIG = {
  index: 'presence',
  collection: 'members',
  idleTimeout: 60000,
  sweepInterval: 15000,
};

/**
 * Keeps track of who is present in which realtime room and answers long-poll
 * clients that cannot keep a websocket open.
 */
class PresencePlugin {
  constructor () {
    this.context = null;
    this.config = {};
    this.roomMembers = new Map();
    this.lastSeen = {};
    this.pendingPolls = new Map();
    this.sweeper = null;

    this.hooks = {
      'core:realtime:user:subscribe:after': 'onSubscribe',
      'connection:remove': 'onDisconnect',
      'kuzzle:shutdown': 'onShutdown',
    };
    this.pipes = {
      'generic:document:beforeWrite': 'stampAuthor',
    };
    this.controllers = {
      presence: {
        list: 'list',
        heartbeat: 'heartbeat',
        poll: 'poll',
        follow: 'follow',
      },
    };
    this.routes = [
      { verb: 'get', url: '/presence/:roomId', controller: 'presence', action: 'list' },
      { verb: 'post', url: '/presence/:roomId/_heartbeat', controller: 'presence', action: 'heartbeat' },
      { verb: 'get', url: '/presence/:roomId/_poll', controller: 'presence', action: 'poll' },
      { verb: 'post', url: '/presence/:roomId/_follow', controller: 'presence', action: 'follow' },
    ];
  }

  async init (customConfig, context) {
    this.config = Object.assign({}, DEFAULT_CONFIG, customConfig);
    this.context = context;
    this.sweeper = setInterval(() => this.sweep(), this.config.sweepInterval); // ok: timer-leak
    global.kuzzle.presenceAudit = global.kuzzle.presenceAudit || []; // ok: global-growth
  }

  async onShutdown () {
    clearInterval(this.sweeper);
  }

  async onSubscribe (subscription) {
    if (!this.roomMembers.has(subscription.roomId)) {
      this.roomMembers.set(subscription.roomId, new Set()); // ok: unbounded-collection
    }
    this.roomMembers.get(subscription.roomId).add(subscription.connectionId); // ok: unbounded-collection
  }

  async onDisconnect (connection) {
    for (const [roomId, members] of this.roomMembers) {
      members.delete(connection.id);
      if (members.size === 0) {
        this.roomMembers.delete(roomId);
      }
    }
  }

  async stampAuthor (documents, request) {
    const kuid = request.context.user && request.context.user._id;
    return documents.map(document => {
      document._source._kuzzle_info = Object.assign({}, document._source._kuzzle_info, { presenceAuthor: kuid });
      return document;
    });
  }

  sweep () {
    const now = Date.now();
    for (const [roomId, polls] of this.pendingPolls) {
      if (polls.length === 0) {
        this.pendingPolls.delete(roomId);
      }
    }
    debug('swept presence at %d', now);
  }

  async list (request) {
    const roomId = request.getString('roomId');
    const members = this.roomMembers.get(roomId);
    return { roomId, count: members ? members.size : 0 };
  }

  async heartbeat (request) {
    const roomId = request.getString('roomId');
    const user = request.getUser();
    this.lastSeen[`${roomId}:${user._id}`] = Date.now(); // leak: unbounded-collection
    global.kuzzle.presenceAudit.push({ roomId, kuid: user._id, at: Date.now(), ip: request.context.connection.misc.ip }); // leak: global-growth
    await this.context.accessors.sdk.document.createOrReplace(this.config.index, this.config.collection, `${roomId}-${user._id}`, { roomId, kuid: user._id, at: Date.now() });
    return { acknowledged: true };
  }

  async poll (request) {
    const roomId = request.getString('roomId');
    return new Promise(resolve => {
      if (!this.pendingPolls.has(roomId)) {
        this.pendingPolls.set(roomId, []);
      }
      this.pendingPolls.get(roomId).push(events => resolve({ events, input: request.input, user: request.getUser() })); // leak: closure-capture, unbounded-collection
    });
  }

  async follow (request) {
    const roomId = request.getString('roomId');
    const { sdk } = this.context.accessors;
    const user = request.getUser();
    await sdk.realtime.subscribe(this.config.index, this.config.collection, { equals: { roomId } }, notification => { // leak: listener-leak
      debug('presence change in %s seen by %s: %o', roomId, user._id, notification.result);
      const polls = this.pendingPolls.get(roomId) || [];
      this.pendingPolls.delete(roomId);
      polls.forEach(answer => answer([notification.result]));
    });
    return { following: roomId };
  }
}

module.exports = PresencePlugin;
