'use strict'

// lib/common.js (the timer wrappers) and the part of lib/intercepted_request_router.js
// that uses them, in one file.
const debug = require('debug')('nock.request_overrider')
const timers = require('timers')

// every timer nock starts, so that nock.abortPendingRequests() can clear them
const timeouts = []
const intervals = []
const immediates = []

const wrapTimer =
  (timer, ids) =>
  (...args) => {
    const id = timer(...args)
    ids.push(id) // leak: global-growth
    return id
  }

const setTimeout = wrapTimer(timers.setTimeout, timeouts)
const setInterval = wrapTimer(timers.setInterval, intervals)
const setImmediate = wrapTimer(timers.setImmediate, immediates)

function clearTimer(clear, ids) {
  while (ids.length) {
    clear(ids.shift())
  }
}

function removeAllTimers() {
  clearTimer(clearTimeout, timeouts)
  clearTimer(clearInterval, intervals)
  clearTimer(clearImmediate, immediates)
}

// one router per intercepted request
class InterceptedRequestRouter {
  constructor({ req, options }) {
    this.req = req
    this.options = options

    req.write = (...args) => this.handleWrite(...args)

    if (options.headers.expect === '100-continue') {
      setImmediate(() => {
        debug('continue')
        req.emit('continue')
      })
    }
  }

  handleWrite(buffer, encoding, callback) {
    const { req } = this
    this.requestBodyBuffers = (this.requestBodyBuffers || []).concat(buffer)

    if (typeof callback === 'function') {
      callback()
    }

    setImmediate(function () {
      req.emit('drain')
    })

    return false
  }
}

module.exports = {
  InterceptedRequestRouter,
  removeAllTimers,
  setImmediate,
  setInterval,
  setTimeout,
}
