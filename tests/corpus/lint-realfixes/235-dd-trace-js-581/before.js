'use strict'

// src/scope/async_hooks.js of dd-trace 0.12, the process-wide scope manager: it remembers
// the active span of every async resource from init until destroy. On Node versions with
// nodejs/node#19859, a keep-alive socket reuses its HTTPPARSER (and TCPWRAP) resource for
// each new request, emitting init again with a new id but never destroy for the old one.
const asyncHooks = require('async_hooks')
const eid = asyncHooks.executionAsyncId
const Base = require('./base')
const platform = require('../platform')

let singleton = null

class Scope extends Base {
  constructor () {
    if (singleton) return singleton

    super()

    singleton = this

    this._spans = Object.create(null)
    this._types = Object.create(null)
    this._hook = asyncHooks.createHook({
      init: this._init.bind(this),
      destroy: this._destroy.bind(this),
      promiseResolve: this._destroy.bind(this)
    })

    this._hook.enable()
  }

  _active () {
    return this._spans[eid()]
  }

  _enter (span) {
    this._spans[eid()] = span
  }

  _exit (span) {
    const asyncId = eid()

    if (span) {
      this._spans[asyncId] = span
    } else {
      delete this._spans[asyncId]
    }
  }

  _init (asyncId, type) {
    this._spans[asyncId] = this._active() // leak: unbounded-collection
    this._types[asyncId] = type

    platform.metrics().increment('async.resources')
    platform.metrics().increment('async.resources.by.type', `resource_type:${type}`)
  }

  _destroy (asyncId) {
    const type = this._types[asyncId]

    if (type) {
      platform.metrics().decrement('async.resources')
      platform.metrics().decrement('async.resources.by.type', `resource_type:${type}`)
    }

    delete this._spans[asyncId]
    delete this._types[asyncId]
  }
}

module.exports = Scope
