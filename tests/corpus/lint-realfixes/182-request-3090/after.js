'use strict'

var http = require('http')
var stream = require('stream')
var util = require('util')

function Request (options) {
  stream.Stream.call(this)
  this.uri = options.uri
  this.timeout = options.timeout
  this.httpModule = http
  this._aborted = false
  this.timeoutTimer = null
}
util.inherits(Request, stream.Stream)

// start() runs once per request, when it is ready to send
Request.prototype.start = function () {
  var self = this

  if (self._aborted) {
    return
  }
  self._started = true

  self.req = self.httpModule.request({ host: self.uri.hostname, port: self.uri.port, path: self.uri.path })

  var timeout
  if (self.timeout && !self.timeoutTimer) {
    timeout = self.timeout < 0 ? 0 : self.timeout
  }

  self.req.on('response', self.onRequestResponse.bind(self))
  self.req.on('error', self.onRequestError.bind(self))

  self.req.on('socket', function (socket) {
    var isConnecting = socket._connecting || socket.connecting

    var setReqTimeout = function () {
      self.req.setTimeout(timeout, function () {
        if (self.req) {
          self.abort()
          var e = new Error('ESOCKETTIMEDOUT')
          e.code = 'ESOCKETTIMEDOUT'
          self.emit('error', e)
        }
      })
    }
    if (timeout !== undefined) {
      if (isConnecting) {
        var onReqSockConnect = function () {
          socket.removeListener('connect', onReqSockConnect)
          self.clearTimeout()
          setReqTimeout()
        }

        socket.on('connect', onReqSockConnect)

        // wall-clock limit for the connection and the response headers
        self.timeoutTimer = setTimeout(function () {
          socket.removeListener('connect', onReqSockConnect)
          self.abort()
          var e = new Error('ETIMEDOUT')
          e.code = 'ETIMEDOUT'
          e.connect = true
          self.emit('error', e)
        }, timeout)
      } else {
        setReqTimeout()
      }
    }
    self.emit('socket', socket)
  })

  self.emit('request', self.req)
}

Request.prototype.onRequestError = function (error) {
  var self = this
  if (self._aborted) {
    return
  }
  self.clearTimeout()
  self.emit('error', error)
}

Request.prototype.onRequestResponse = function (response) {
  var self = this
  self.response = response
  self.clearTimeout()
  self.emit('response', response)
}

// an abort before the response (the caller gave up, a race, a redirect...)
Request.prototype.abort = function () {
  var self = this
  self._aborted = true

  if (self.req) {
    self.req.abort()
  } else if (self.response) {
    self.response.destroy()
  }

  self.clearTimeout()
  self.emit('abort')
}

Request.prototype.destroy = function () {
  var self = this
  this.clearTimeout()
  if (!self._ended) {
    self.end()
  } else if (self.response) {
    self.response.destroy()
  }
}

Request.prototype.clearTimeout = function () {
  if (this.timeoutTimer) {
    clearTimeout(this.timeoutTimer)
    this.timeoutTimer = null
  }
}

module.exports = Request
