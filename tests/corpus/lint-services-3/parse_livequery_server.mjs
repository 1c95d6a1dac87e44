import tv4 from 'tv4';
import Parse from 'parse/node';
import { v4 as uuidv4 } from 'uuid';
import LRU from 'lru-cache';
import { Subscription } from './Subscription';
import { Client } from './Client';
import { ParseWebSocketServer } from './ParseWebSocketServer';
import logger from '../logger';
import RequestSchema from './RequestSchema';
import { matchesQuery, queryHash } from './QueryTools';
import { ParsePubSub } from './ParsePubSub';
import { getAuthForSessionToken } from '../Auth';
import { getCacheController } from '../Controllers';

class ParseLiveQueryServer {
  constructor(server, config = {}, parseServerConfig = {}) {
    this.server = server;
    this.clients = new Map();
    this.subscriptions = new Map();
    this.installations = new Map();
    this.config = config;
    this.sessionUsers = {};

    config.appId = config.appId || Parse.applicationId;
    config.masterKey = config.masterKey || Parse.masterKey;
    this.cacheController = getCacheController(parseServerConfig);
    config.cacheTimeout = config.cacheTimeout || 5 * 1000;

    // reuse the same user / session token resolution for concurrent subscriptions
    this.authCache = new LRU({ max: 500, ttl: config.cacheTimeout });

    this.parseWebSocketServer = new ParseWebSocketServer(server, parseWebsocket => this._onConnect(parseWebsocket), config); // ok: resource-per-request

    this.subscriber = ParsePubSub.createSubscriber(config); // ok: resource-per-request
    this.subscriber.on('message', (channel, messageStr) => { // ok: listener-leak
      let message;
      try {
        message = JSON.parse(messageStr);
      } catch (e) {
        logger.error('unable to parse message', messageStr, e);
        return;
      }
      if (channel === Parse.applicationId + 'afterSave') {
        this._onAfterSave(message);
      }
    });
    this.subscriber.subscribe(Parse.applicationId + 'afterSave');
    this.subscriber.subscribe(Parse.applicationId + 'clearCache');
  }

  _onAfterSave(message) {
    const currentParseObject = message.currentParseObject;
    const classSubscriptions = this.subscriptions.get(currentParseObject.className);
    if (typeof classSubscriptions === 'undefined') {
      return;
    }
    for (const subscription of classSubscriptions.values()) {
      if (!matchesQuery(currentParseObject, subscription.query)) {
        continue;
      }
      for (const [clientId, requestIds] of subscription.clientRequestIds.entries()) {
        const client = this.clients.get(clientId);
        if (typeof client === 'undefined') {
          continue;
        }
        requestIds.forEach(requestId => client.pushUpdate(requestId, currentParseObject));
      }
    }
  }

  _onConnect(parseWebsocket) {
    parseWebsocket.on('message', request => { // ok: listener-leak
      if (typeof request === 'string') {
        try {
          request = JSON.parse(request);
        } catch (e) {
          logger.error('unable to parse request', request, e);
          return;
        }
      }
      if (!tv4.validate(request, RequestSchema['general']) || !tv4.validate(request, RequestSchema[request.op])) {
        Client.pushError(parseWebsocket, 1, tv4.error.message);
        return;
      }
      switch (request.op) {
        case 'connect':
          this._handleConnect(parseWebsocket, request);
          break;
        case 'subscribe':
          this._handleSubscribe(parseWebsocket, request);
          break;
        case 'unsubscribe':
          this._handleUnsubscribe(parseWebsocket, request);
          break;
        default:
          Client.pushError(parseWebsocket, 3, 'Get unknown operation');
      }
    });

    parseWebsocket.on('disconnect', () => this._onDisconnect(parseWebsocket));
  }

  _onDisconnect(parseWebsocket) {
    const clientId = parseWebsocket.clientId;
    if (!this.clients.has(clientId)) {
      return;
    }
    const client = this.clients.get(clientId);
    clearInterval(client.pingInterval);
    this.subscriber.removeListener('message', this._clearClientCache.bind(this, clientId));
    this.clients.delete(clientId);
    for (const [requestId, subscriptionInfo] of client.subscriptionInfos.entries()) {
      const subscription = subscriptionInfo.subscription;
      subscription.deleteClientSubscription(clientId, requestId);
      const classSubscriptions = this.subscriptions.get(subscription.className);
      if (!subscription.hasSubscribingClient()) {
        classSubscriptions.delete(subscription.hash);
      }
      if (classSubscriptions.size === 0) {
        this.subscriptions.delete(subscription.className);
      }
    }
    logger.verbose('Current clients %d', this.clients.size);
  }

  _clearClientCache(clientId, channel) {
    if (channel === Parse.applicationId + 'clearCache') {
      this.authCache.clear();
      logger.verbose('Cleared auth cache for client %s', clientId);
    }
  }

  async getAuthForSessionToken(sessionToken) {
    if (!sessionToken) {
      return { auth: null };
    }
    const fromCache = this.authCache.get(sessionToken);
    if (fromCache) {
      return fromCache;
    }
    const authPromise = getAuthForSessionToken({ cacheController: this.cacheController, sessionToken }).then(auth => ({ auth, userId: auth && auth.user && auth.user.id }));
    this.authCache.set(sessionToken, authPromise); // ok: unbounded-cache
    const { userId } = await authPromise;
    if (userId) {
      this.sessionUsers[sessionToken] = userId; // leak: unbounded-cache
    }
    return authPromise;
  }

  async _handleConnect(parseWebsocket, request) {
    const clientId = uuidv4();
    const client = new Client(clientId, parseWebsocket, request.masterKey !== undefined, request.sessionToken, request.installationId);
    parseWebsocket.clientId = clientId;
    this.clients.set(parseWebsocket.clientId, client); // ok: unbounded-collection
    if (request.installationId) {
      this.installations.set(request.installationId, client); // leak: unbounded-collection
    }
    client.pingInterval = setInterval(() => parseWebsocket.ping && parseWebsocket.ping(), 10 * 1000); // ok: timer-leak
    if (!this.statsTimer) {
      this.statsTimer = setInterval(() => logger.info('Live query clients: %d', this.clients.size), 60 * 1000); // ok: timer-leak
      this.statsTimer.unref();
    }
    client.onClearCache = this._clearClientCache.bind(this, clientId);
    this.subscriber.on('message', client.onClearCache); // leak: listener-leak
    await this.getAuthForSessionToken(request.sessionToken);
    client.pushConnect();
  }

  async _handleSubscribe(parseWebsocket, request) {
    const client = this.clients.get(parseWebsocket.clientId);
    if (typeof client === 'undefined') {
      Client.pushError(parseWebsocket, 2, 'Can not find this client, make sure you connect to server before subscribing');
      return;
    }
    const className = request.query.className;
    const subscriptionHash = queryHash(request.query);
    if (!this.subscriptions.has(className)) {
      this.subscriptions.set(className, new Map()); // ok: unbounded-collection
    }
    const classSubscriptions = this.subscriptions.get(className);
    let subscription;
    if (classSubscriptions.has(subscriptionHash)) {
      subscription = classSubscriptions.get(subscriptionHash);
    } else {
      subscription = new Subscription(className, request.query.where, subscriptionHash);
      classSubscriptions.set(subscriptionHash, subscription); // ok: unbounded-collection
    }
    subscription.addClientSubscription(parseWebsocket.clientId, request.requestId);
    client.addSubscriptionInfo(request.requestId, { subscription, sessionToken: request.sessionToken });
    client.pushSubscribe(request.requestId);
  }

  _handleUnsubscribe(parseWebsocket, request) {
    const client = this.clients.get(parseWebsocket.clientId);
    const subscriptionInfo = client && client.getSubscriptionInfo(request.requestId);
    if (!subscriptionInfo) {
      return;
    }
    client.deleteSubscriptionInfo(request.requestId);
    const subscription = subscriptionInfo.subscription;
    subscription.deleteClientSubscription(parseWebsocket.clientId, request.requestId);
    const classSubscriptions = this.subscriptions.get(subscription.className);
    if (!subscription.hasSubscribingClient()) {
      classSubscriptions.delete(subscription.hash);
    }
    if (classSubscriptions.size === 0) {
      this.subscriptions.delete(subscription.className);
    }
    client.pushUnsubscribe(request.requestId);
  }
}

export { ParseLiveQueryServer };
