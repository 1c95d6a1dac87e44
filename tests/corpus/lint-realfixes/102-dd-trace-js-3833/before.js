'use strict';

// dd-trace instrumentation of rhea (AMQP 1.0). Each sent or received message
// has a delivery; the tracer remembers deliveries in flight on their
// connection so it can finish their spans if the connection drops.
// Connections are long-lived; producers and consumers move many messages.
const { AsyncResource } = require('async_hooks');
const dc = require('diagnostics_channel');
const shimmer = require('shimmer');

const inFlightDeliveries = Symbol('inFlightDeliveries');
const contexts = new WeakMap(); // delivery -> context

const startSendCh = dc.channel('apm:rhea:send:start');
const finishSendCh = dc.channel('apm:rhea:send:finish');
const startReceiveCh = dc.channel('apm:rhea:receive:start');
const errorReceiveCh = dc.channel('apm:rhea:receive:error');
const finishReceiveCh = dc.channel('apm:rhea:receive:finish');

function patchLink(Sender, Receiver) {
  shimmer.wrap(Sender.prototype, 'send', (send) => function (msg) {
    const asyncResource = new AsyncResource('bound-anonymous-fn');
    return asyncResource.runInAsyncScope(() => {
      startSendCh.publish({ msg });
      const delivery = send.apply(this, arguments);
      // The context does not record the connection...
      contexts.set(delivery, { asyncResource });
      addToInFlightDeliveries(this.connection, delivery);
      return delivery;
    });
  });

  shimmer.wrap(Receiver.prototype, 'dispatch', (dispatch) => function (eventName, msgObj) {
    if (eventName === 'message' && msgObj && msgObj.delivery) {
      const asyncResource = new AsyncResource('bound-anonymous-fn');
      return asyncResource.runInAsyncScope(() => {
        startReceiveCh.publish({ msgObj, connection: this.connection });
        contexts.set(msgObj.delivery, { asyncResource });
        addToInFlightDeliveries(this.connection, msgObj.delivery);
        return dispatch.apply(this, arguments);
      });
    }
    return dispatch.apply(this, arguments);
  });
}

function patchConnection(Connection) {
  shimmer.wrap(Connection.prototype, 'dispatch', (dispatch) => function (eventName, obj) {
    if (eventName === 'disconnected' && this[inFlightDeliveries]) {
      const error = obj.error || this.saved_error;
      this[inFlightDeliveries].forEach((delivery) => {
        const context = contexts.get(delivery);
        if (!context) return;
        context.asyncResource.runInAsyncScope(() => {
          errorReceiveCh.publish(error);
          beforeFinish(delivery, null);
          finishReceiveCh.publish();
        });
      });
    }
    return dispatch.apply(this, arguments);
  });
}

function addToInFlightDeliveries(connection, delivery) {
  let deliveries = connection[inFlightDeliveries];
  if (!deliveries) {
    deliveries = new Set();
    connection[inFlightDeliveries] = deliveries;
  }
  deliveries.add(delivery); // leak: unbounded-collection
}

// Runs when a delivery is settled. ...so this never finds the connection
// and never deletes the delivery: every message stays in the set.
function beforeFinish(delivery, state) {
  const context = contexts.get(delivery);
  if (context) {
    if (context.connection && context.connection[inFlightDeliveries]) {
      context.connection[inFlightDeliveries].delete(delivery);
    }
  }
  finishSendCh.publish({ state });
}

module.exports = { patchLink, patchConnection, beforeFinish, inFlightDeliveries };
