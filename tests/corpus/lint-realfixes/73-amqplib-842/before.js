'use strict';

// amqplib: a confirm channel keeps one callback per published message in a
// rolling window until the broker acks or nacks it. Publishers keep the
// channel object in a long-lived service and call publish() per message.
const { EventEmitter } = require('events');

class IllegalOperationError extends Error {}

class Channel extends EventEmitter {
  constructor(connection) {
    super();
    this.connection = connection;
    this.lwm = 1; // lowest unconfirmed delivery tag
    this.unconfirmed = []; // callbacks awaiting ack/nack
    this.on('ack', (frame) => this.handleConfirm((cb) => cb && cb(null), frame));
    this.on('nack', (frame) => this.handleConfirm((cb) => cb && cb(new Error('message nacked')), frame));
    this.on('close', () => {
      // Fails everything still waiting, once, when the channel closes.
      let cb = this.unconfirmed.shift();
      while (cb !== undefined) {
        if (cb) cb(new Error('channel closed'));
        cb = this.unconfirmed.shift();
      }
    });
  }

  sendMessage(fields, properties, content) {
    return this.connection.sendMessage(fields, properties, content);
  }

  publish(exchange, routingKey, content, options) {
    return this.sendMessage({ exchange, routingKey }, options || {}, content);
  }

  toClosed() {
    // After close, every send throws.
    this.sendMessage = () => {
      throw new IllegalOperationError('Channel closed');
    };
    this.emit('close');
  }

  handleConfirm(handle, frame) {
    const tag = frame.deliveryTag;
    if (frame.multiple) {
      const confirmed = this.unconfirmed.splice(0, tag - this.lwm + 1);
      this.lwm = tag + 1;
      confirmed.forEach(handle);
      return;
    }
    let cb;
    if (tag === this.lwm) {
      cb = this.unconfirmed.shift();
      this.lwm++;
      while (this.unconfirmed[0] === null) {
        this.unconfirmed.shift();
        this.lwm++;
      }
    } else {
      cb = this.unconfirmed[tag - this.lwm];
      this.unconfirmed[tag - this.lwm] = null;
    }
    handle(cb);
  }

  pushConfirmCallback(cb) {
    this.unconfirmed.push(cb || false); // leak: unbounded-collection
  }
}

class ConfirmChannel extends Channel {
  // On a closed channel the callback is pushed, then publish throws; the
  // 'close' handler has already run, so nothing ever takes it out again.
  publish(exchange, routingKey, content, options, cb) {
    this.pushConfirmCallback(cb);
    return super.publish(exchange, routingKey, content, options);
  }

  sendToQueue(queue, content, options, cb) {
    return this.publish('', queue, content, options, cb);
  }
}

module.exports = { Channel, ConfirmChannel, IllegalOperationError };
