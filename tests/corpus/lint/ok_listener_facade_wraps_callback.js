// A browser worker gets a Node-style `on(event, callback)`: the facade adds one wrapper per
// call its user makes, and the user decides how often that is - the facade is not the leak.
function adaptWorker(worker) {
  worker.on = function (event, callback) {
    this.addEventListener(event, function (message) {
      callback(message.data);
    });
  };
  return worker;
}

module.exports = { adaptWorker };
