var logger = require('./logger');

// One Agent per connected client; backend (and its pubsub) is shared by all of them.
function Agent(backend, stream) {
  this.backend = backend;
  this.stream = stream;
  this.closed = false;

  // Map from queryId -> emitter
  this.subscribedQueries = {};

  // Presence subscriptions of this client: map of channel -> pubsub stream
  this.subscribedPresences = {};
  // Highest seq seen for a presence (un)subscribe request, per channel
  this.presenceSubscriptionSeq = {};
  this.presenceRequests = {};
}
module.exports = Agent;

Agent.prototype._cleanup = function() {
  this.closed = true;
  for (var channel in this.subscribedPresences) {
    this.subscribedPresences[channel].destroy();
  }
  this.subscribedPresences = {};

  for (var id in this.subscribedQueries) {
    this.subscribedQueries[id].destroy();
  }
  this.subscribedQueries = {};
};

Agent.prototype._subscribeToPresenceStream = function(channel, stream) {
  if (this.closed) return stream.destroy();
  var agent = this;

  stream.on('data', function(data) {
    if (data.error) {
      logger.error('Presence subscription stream error', channel, data.error);
    }
    agent._handlePresenceData(data);
  });

  stream.on('end', function() {
    if (agent.subscribedPresences[channel] === stream) {
      delete agent.subscribedPresences[channel];
    }
    delete agent.presenceRequests[channel];
  });
};

Agent.prototype._subscribeToQuery = function(emitter, queryId) {
  var previous = this.subscribedQueries[queryId];
  if (previous) previous.destroy();
  this.subscribedQueries[queryId] = emitter;
};

Agent.prototype._handleMessage = function(request, callback) {
  switch (request.a) {
    case 'ps':
      return this._subscribePresence(request.ch, request.seq, callback);
    case 'pu':
      return this._unsubscribePresence(request.ch, request.seq, callback);
  }
};

// Called for every presence subscribe message.
Agent.prototype._subscribePresence = function(channel, seq, callback) {
  var agent = this;
  var presenceChannel = this._getPresenceChannel(channel);
  this.backend.pubsub.subscribe(presenceChannel, function(error, stream) { // leak: resource-per-request
    if (error) return callback(error);
    if (seq < agent.presenceSubscriptionSeq[channel]) {
      stream.destroy();
      return callback(null, {ch: channel, seq: seq});
    }
    agent.presenceSubscriptionSeq[channel] = seq;
    agent.subscribedPresences[channel] = stream;
    agent._subscribeToPresenceStream(channel, stream);
    agent._requestPresence(channel, function(error) {
      callback(error, {ch: channel, seq: seq});
    });
  });
};

Agent.prototype._unsubscribePresence = function(channel, seq, callback) {
  if (seq < this.presenceSubscriptionSeq[channel]) return;
  this.presenceSubscriptionSeq[channel] = seq;
  var stream = this.subscribedPresences[channel];
  if (stream) stream.destroy();
  callback(null, {ch: channel, seq: seq});
};

Agent.prototype._getPresenceChannel = function(channel) {
  return '$presence.' + channel;
};

Agent.prototype._requestPresence = function(channel, callback) {
  this.backend.pubsub.publish([this._getPresenceChannel(channel)], {ch: channel, r: true}, callback);
};

Agent.prototype._handlePresenceData = function(presence) {
  this.stream.write(presence);
};
