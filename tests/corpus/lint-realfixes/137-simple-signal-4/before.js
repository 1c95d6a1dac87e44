// The signalling client lives as long as the page; connect() is called for
// every peer the user calls.
var SimplePeer = require('simple-peer')
var cuid = require('cuid')

function SimpleSignalClient (socket) {
  var self = this
  self.socket = socket
  self._peers = {}
  self.socket.on('simple-signal[signal]', function (data) {
    var peer = self._peers[data.trackingNumber]
    if (peer) peer.signal(data.signal)
  })
}

SimpleSignalClient.prototype.connect = function (id, opts, metadata) {
  var self = this
  opts = opts || {}
  opts.initiator = true
  var trackingNumber = cuid()

  var peer = new SimplePeer(opts)
  self._peers[trackingNumber] = peer // leak: unbounded-collection

  peer.on('signal', function (signal) {
    self.socket.emit('simple-signal[offer]', {
      signal: signal,
      trackingNumber: trackingNumber,
      target: id,
      metadata: metadata || {}
    })
  })

  return peer
}

module.exports = SimpleSignalClient
