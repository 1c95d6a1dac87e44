'use strict'

// Server side: the app wraps every accepted ws connection in a stream
// (wss.on('connection', ws => pipeline(WebSocketStream(ws), ...))).
// In the ws versions of the time, assigning socket.onclose first removed every
// 'close' listener, including the one with which the WebSocketServer removes
// the client from wss.clients; that set then kept every closed connection.
var duplexify = require('duplexify')
var Transform = require('readable-stream').Transform

module.exports = WebSocketStream

function WebSocketStream (socket, options) {
  options = options || {}
  var proxy = new Transform({ objectMode: options.objectMode })
  proxy._write = function (chunk, enc, next) { socket.send(chunk, next) }
  var stream = socket.readyState === socket.OPEN ? proxy : duplexify(undefined, undefined, options)

  // add listeners next to the server's own instead of replacing them
  var eventListenerSupport = typeof socket.addEventListener !== 'undefined'

  if (stream !== proxy) {
    if (eventListenerSupport) socket.addEventListener('open', onopen)
    else socket.onopen = onopen
  }

  stream.socket = socket

  if (eventListenerSupport) {
    socket.addEventListener('close', onclose)
    socket.addEventListener('error', onerror)
    socket.addEventListener('message', onmessage)
  } else {
    socket.onclose = onclose
    socket.onerror = onerror
    socket.onmessage = onmessage
  }

  proxy.on('close', destroy)

  function onopen () {
    stream.setReadable(proxy)
    stream.setWritable(proxy)
    stream.emit('connect')
  }

  function onclose () {
    stream.end()
    stream.destroy()
  }

  function onerror (err) {
    stream.destroy(err)
  }

  function onmessage (event) {
    proxy.push(Buffer.from(event.data))
  }

  function destroy () {
    socket.close()
  }

  return stream
}
