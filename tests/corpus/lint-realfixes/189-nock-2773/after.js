'use strict'

// lib/common.js (the timer wrappers) and the part of lib/intercepted_request_router.js
// that uses them, in one file.
const debug = require('debug')('nock.request_overrider')
const timers = require('timers')

// the timers nock has started and that have not run yet, so that
// nock.abortPendingRequests() can clear them
const timeouts = new Set()
const immediates = new Set()

const wrapTimer =
  (timer, ids) =>
  (callback, ...timerArgs) => {
    const cb = (...callbackArgs) => {
      try {
        // eslint-disable-next-line n/no-callback-literal
        callback(...callbackArgs)
      } finally {
        // it has run: nothing to clear any more, and its context can go
        ids.delete(id)
      }
    }
    const id = timer(cb, ...timerArgs)
    ids.add(id)
    return id
  }

const setTimeout = wrapTimer(timers.setTimeout, timeouts)
const setImmediate = wrapTimer(timers.setImmediate, immediates)

function clearTimer(clear, ids) {
  ids.forEach(clear)
  ids.clear()
}

function removeAllTimers() {
  clearTimer(clearTimeout, timeouts)
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
  setTimeout,
}
