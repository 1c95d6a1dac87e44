// The same poll, stopped when the subscription stops.
Platform.publish('queue.length', function (queueName) {
  const self = this;
  const poll = Platform.setInterval(function () {
    self.changed('queues', queueName, { length: Jobs.count(queueName) });
  }, 5000);
  self.onStop(function () { Platform.clearInterval(poll); });
  self.ready();
});
