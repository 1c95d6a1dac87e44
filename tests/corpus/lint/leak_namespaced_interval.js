// A platform that wraps the timers (to keep its fibers / zones): one poll per subscription,
// never stopped.
Platform.publish('queue.length', function (queueName) {
  const self = this;
  Platform.setInterval(function () { // expect: interval-not-cleared
    self.changed('queues', queueName, { length: Jobs.count(queueName) });
  }, 5000);
  self.ready();
});
