'use strict';
function HubClient(url, opts) {
  this._hub = url;
  this._timeout = (opts && opts.timeout) || 5000;
  this._requests = {};
  this._counter = 0;
  this._listener = null;
  this._installListener();
}

HubClient.prototype._installListener = function () {
  const client = this;
  this._listener = function (message) {
    const response = JSON.parse(message.data);
    if (client._requests[response.id]) {
      client._requests[response.id](response.error, response.result);
    }
  };
  window.addEventListener('message', this._listener, false);
};

HubClient.prototype.get = function (key) {
  return this._request('get', { keys: [key] });
};

HubClient.prototype._request = function (method, params) {
  const client = this;
  const req = { id: ++this._counter, method, params };
  return new Promise(function (resolve, reject) {
    const timeout = setTimeout(function () {
      if (!client._requests[req.id]) return;
      delete client._requests[req.id];
      reject(new Error('Timeout: could not perform ' + req.method));
    }, client._timeout);

    client._requests[req.id] = function (err, result) {
      clearTimeout(timeout);
      delete client._requests[req.id];
      if (err) return reject(new Error(err));
      resolve(result);
    };

    window.parent.postMessage(JSON.stringify(req), client._hub);
  });
};

module.exports = HubClient;
