'use strict';

// Two files of discord.js (master before v12) in one: src/client/BaseClient.js, cut to
// its timer bookkeeping, and src/client/voice/VoiceConnection.js, cut to the connect
// timeout. A music bot joins and leaves voice channels all day on one client.
const EventEmitter = require('events');

class BaseClient extends EventEmitter {
  constructor(options = {}) {
    super();
    this.options = options;

    /**
     * Timeouts set by {@link BaseClient#setTimeout} that are still active
     * @type {Set<Timeout>}
     * @private
     */
    this._timeouts = new Set();
  }

  /**
   * Destroys all assets used by the base client.
   */
  destroy() {
    for (const t of this._timeouts) this.clearTimeout(t);
    this._timeouts.clear();
  }

  /**
   * Sets a timeout that will be automatically cancelled if the client is destroyed.
   */
  setTimeout(fn, delay, ...args) {
    const timeout = setTimeout(() => {
      fn(...args);
      this._timeouts.delete(timeout);
    }, delay);
    this._timeouts.add(timeout);
    return timeout;
  }

  /**
   * Clears a timeout.
   */
  clearTimeout(timeout) {
    clearTimeout(timeout);
    this._timeouts.delete(timeout);
  }
}

const VoiceStatus = { CONNECTED: 0, CONNECTING: 1, AUTHENTICATING: 2, RECONNECTING: 3, DISCONNECTED: 4 };

class VoiceConnection extends EventEmitter {
  constructor(voiceManager, channel) {
    super();
    this.voiceManager = voiceManager;
    this.client = voiceManager.client;
    this.channel = channel;
    this.status = VoiceStatus.AUTHENTICATING;
    this.connectTimeout = null;
    this.authenticate();
  }

  sendVoiceStateUpdate(options = {}) {
    this.client.ws.send({ op: 4, d: Object.assign({ guild_id: this.channel.guild.id, channel_id: this.channel.id }, options) });
  }

  authenticateFailed(reason) {
    clearTimeout(this.connectTimeout);
    this.emit('debug', `Authenticate failed - ${reason}`);
    if (this.status === VoiceStatus.AUTHENTICATING) {
      this.emit('failed', new Error(reason));
    } else {
      this.emit('error', new Error(reason));
    }
    this.status = VoiceStatus.DISCONNECTED;
  }

  authenticate() {
    this.sendVoiceStateUpdate();
    this.connectTimeout = this.client.setTimeout( // leak: timer-leak
      () => this.authenticateFailed('VOICE_CONNECTION_TIMEOUT'), 15000);
  }

  disconnect() {
    this.emit('closing');
    this.emit('debug', 'disconnect() triggered');
    clearTimeout(this.connectTimeout);
    const conn = this.voiceManager.connections.get(this.channel.guild.id);
    if (conn === this) this.voiceManager.connections.delete(this.channel.guild.id);
    this.sendVoiceStateUpdate({
      channel_id: null,
    });
    this.status = VoiceStatus.DISCONNECTED;
    this.emit('disconnect');
  }

  onReady() {
    this.status = VoiceStatus.CONNECTED;
    clearTimeout(this.connectTimeout);
    this.emit('ready');
  }
}

module.exports = { BaseClient, VoiceConnection };
