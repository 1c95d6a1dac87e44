'use strict'
var bl = require('bl')
var stream = require('stream')
var util = require('util')

function Request (options) {
  stream.Stream.call(this)
  this.uri = options.uri
  this.encoding = options.encoding
  this._json = options.json
}
util.inherits(Request, stream.Stream)

// called once per response; callers often keep the Request object around afterwards
Request.prototype.readResponseBody = function (response) {
  var self = this
  var buffer = bl()
  var strings = []

  self.on('data', function (chunk) { // leak: closure-capture
    if (Buffer.isBuffer(chunk)) {
      buffer.append(chunk)
    } else {
      strings.push(chunk)
    }
  })
  self.on('end', function () {
    if (self._aborted) {
      return
    }
    if (buffer.length) {
      if (self.encoding === null) {
        response.body = buffer.slice()
      } else {
        response.body = buffer.toString(self.encoding)
      }
    } else if (strings.length) {
      response.body = strings.join('')
    }
    if (self._json) {
      try {
        response.body = JSON.parse(response.body)
      } catch (e) {}
    }
    self.emit('complete', response, response.body)
  })
}

module.exports = Request
