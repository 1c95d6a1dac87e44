'use strict'

// lib/instrumentation/modules/@elastic/elasticsearch.js of the Elastic APM Node.js agent
// (v3.28), cut to the bookkeeping between the connection/diagnostic hooks and the span's
// end. The maps are created once per process, when the module is first instrumented; each
// span's toString() is its ids, unique per span.
const shimmer = require('../../shimmer')

module.exports = function (elasticsearch, agent, { version, enabled }) {
  if (!enabled) {
    return elasticsearch
  }
  const ins = agent._instrumentation

  shimmer.wrap(elasticsearch.Transport && elasticsearch.Transport.prototype, 'request', wrapRequest)
  shimmer.wrap(elasticsearch.Transport && elasticsearch.Transport.prototype, 'getConnection', wrapGetConnection)
  shimmer.wrap(elasticsearch, 'Client', wrapClient)

  // The Connection object and DiagnosticResult for each active span; WeakMaps, so that
  // spans that never end do not leak.
  const connFromSpan = new WeakMap()
  const diagResultFromSpan = new WeakMap()

  return elasticsearch

  function wrapClient (OrigClient) {
    class ClientTraced extends OrigClient {
      constructor (...args) {
        super(...args)
        this.diagnostic.on('response', (_err, result) => {
          if (result) {
            const currSpan = ins.currSpan()
            if (currSpan) {
              diagResultFromSpan.set(currSpan, result)
            }
          }
        })
      }
    }
    return ClientTraced
  }

  function wrapGetConnection (origGetConnection) {
    return function wrappedGetConnection (opts) {
      const conn = origGetConnection.apply(this, arguments)
      const currSpan = ins.currSpan()
      if (conn && currSpan) {
        connFromSpan.set(currSpan, conn)
      }
      return conn
    }
  }

  function wrapRequest (origRequest) {
    return function wrappedRequest (params, options, cb) {
      const method = (params && params.method) || '<UnknownMethod>'
      const path = (params && params.path) || '<UnknownPath>'
      const span = ins.createSpan(`Elasticsearch: ${method} ${path}`, 'db', 'elasticsearch', 'request', { exitSpan: true })
      if (!span) {
        return origRequest.apply(this, arguments)
      }

      const spanRunContext = ins.currRunContext().enterSpan(span)
      const finish = ins.bindFunctionToRunContext(spanRunContext, (err, result) => {
        let conn = connFromSpan.get(span)
        if (conn) {
          connFromSpan.delete(span)
        } else if (this.connectionPool && this.connectionPool.connections) {
          conn = this.connectionPool.connections[0]
        }
        const connUrl = conn && conn.url
        span.setDestinationContext({ address: connUrl && connUrl.hostname, port: connUrl && connUrl.port })

        const diagResult = diagResultFromSpan.get(span)
        if (diagResult) {
          diagResultFromSpan.delete(span)
          if (diagResult.statusCode) {
            span.setHttpContext({ status_code: diagResult.statusCode })
          }
        }

        if (err) {
          agent.captureError(err)
        }
        span.end()
      })

      return ins.withRunContext(spanRunContext, origRequest, this, params, options, (err, result) => {
        finish(err, result)
        if (typeof cb === 'function') cb(err, result)
      })
    }
  }
}
