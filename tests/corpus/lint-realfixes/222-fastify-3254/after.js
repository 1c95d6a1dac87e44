'use strict'

// fastify.js of fastify 3.20, cut to the server's 'clientError' handling. Node emits
// 'clientError' for every connection that sends a malformed request or fails its TLS
// handshake, and leaves the socket to the handler, which must destroy it.
const http = require('http')

function fastify (options) {
  options = options || {}
  const server = options.serverFactory ? options.serverFactory() : http.createServer()

  const instance = {
    server,
    log: options.logger || { trace () {} }
  }

  options.clientErrorHandler = options.clientErrorHandler || defaultClientErrorHandler

  // Delay configuring clientError handler so that it can access fastify state.
  server.on('clientError', options.clientErrorHandler.bind(instance))

  function defaultClientErrorHandler (err, socket) {
    // In case of a connection reset, the socket has been destroyed and there is nothing that needs to be done.
    // https://nodejs.org/api/http.html#http_event_clienterror
    if (err.code === 'ECONNRESET' || socket.destroyed) {
      return
    }

    const body = JSON.stringify({
      error: http.STATUS_CODES['400'],
      message: 'Client Error',
      statusCode: 400
    })

    // Mostly network errors or a misconfigured load balancer.
    this.log.trace({ err }, 'client error')

    // If the socket is not writable, there is no reason to try to send data.
    if (socket.writable && socket.bytesWritten === 0) {
      socket.write(`HTTP/1.1 400 Bad Request\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\n\r\n${body}`)
    }
    // as node's own handler does
    socket.destroy(err)
  }

  return instance
}

module.exports = fastify
