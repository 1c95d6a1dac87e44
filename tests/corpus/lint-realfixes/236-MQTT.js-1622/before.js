'use strict'

// lib/client.js of MQTT.js 4.3, cut to subscribe() and the SUBACK branch of _handleAck().
// An IoT gateway or a backend bridge keeps one client connected for months and subscribes
// to device topics as devices come and go.
const EventEmitter = require('events').EventEmitter

function MqttClient (options) {
  EventEmitter.call(this)
  this.options = Object.assign({ reconnectPeriod: 1000, resubscribe: true }, options)
  this.outgoing = {}
  this.messageIdToTopic = {}
  this._resubscribeTopics = {}
  this.nextId = 0
}
Object.setPrototypeOf(MqttClient.prototype, EventEmitter.prototype)

MqttClient.prototype._nextId = function () {
  this.nextId = this.nextId === 65535 ? 1 : this.nextId + 1
  return this.nextId
}

MqttClient.prototype.subscribe = function (topics, opts, callback) {
  const that = this
  const subs = (Array.isArray(topics) ? topics : [topics]).map(function (topic) {
    return { topic: topic, qos: (opts && opts.qos) || 0 }
  })
  const messageId = this._nextId()
  const packet = {
    cmd: 'subscribe',
    subscriptions: subs,
    qos: 1,
    retain: false,
    dup: false,
    messageId: messageId
  }

  // subscriptions to resubscribe to in case of disconnect
  if (that.options.resubscribe) {
    const topics = []
    subs.forEach(function (sub) {
      if (that.options.reconnectPeriod > 0) {
        that._resubscribeTopics[sub.topic] = { qos: sub.qos }
        topics.push(sub.topic)
      }
    })
    that.messageIdToTopic[packet.messageId] = topics // leak: unbounded-collection
  }

  that.outgoing[packet.messageId] = {
    volatile: true,
    cb: function (err, packet) {
      if (!err) {
        const granted = packet.granted
        for (let i = 0; i < granted.length; i += 1) {
          subs[i].qos = granted[i]
        }
      }

      callback(err, subs)
    }
  }

  this._sendPacket(packet)
  return this
}

MqttClient.prototype._sendPacket = function (packet) {
  this.emit('packetsend', packet)
}

MqttClient.prototype._handleAck = function (packet) {
  const that = this
  const messageId = packet.messageId
  const cb = this.outgoing[messageId] && this.outgoing[messageId].cb

  switch (packet.cmd) {
    case 'suback': {
      delete this.outgoing[messageId]
      for (let grantedI = 0; grantedI < packet.granted.length; grantedI++) {
        if ((packet.granted[grantedI] & 0x80) !== 0) {
          // suback with Failure status
          const topics = this.messageIdToTopic[messageId]
          if (topics) {
            topics.forEach(function (topic) {
              delete that._resubscribeTopics[topic]
            })
          }
        }
      }
      cb(null, packet)
      break
    }
    default:
      that.emit('error', new Error('unrecognized packet type'))
  }
}

module.exports = MqttClient
