'use strict'
// realtime: external modules
const cookie = require('cookie')
const cookieParser = require('cookie-parser')
const EventEmitter = require('events')
const randomcolor = require('randomcolor')
const Chance = require('chance')
const chance = new Chance()
const moment = require('moment')

// core
const config = require('../config')
const logger = require('../logger')
const history = require('../history')
const models = require('../models')

const ot = require('../ot')

const { ProcessQueue } = require('./processQueue')
const { UpdateDirtyNoteJob } = require('./realtimeUpdateDirtyNoteJob')
const { CleanDanglingUserJob } = require('./realtimeCleanDanglingUserJob')
const { SaveRevisionJob } = require('./realtimeSaveRevisionJob')

// public
const realtime = {
  io: null,
  onAuthorizeSuccess,
  onAuthorizeFail,
  secure,
  connection,
  getStatus,
  isReady,
  maintenance: true,
  notes: {},
  users: {},
  changeLog: [],
  announcements: new EventEmitter()
}

const connectProcessQueue = new ProcessQueue({})
const disconnectProcessQueue = new ProcessQueue({})
const updateDirtyNoteJob = new UpdateDirtyNoteJob(realtime)
const cleanDanglingUserJob = new CleanDanglingUserJob(realtime)
const saveRevisionJob = new SaveRevisionJob(realtime)

function onAuthorizeSuccess (data, accept) { accept() }

// accept whether authorize or not to allow anonymous usage
function onAuthorizeFail (data, message, error, accept) { accept() }

// secure the origin by the cookie
function secure (socket, next) {
  try {
    const handshakeData = socket.request
    if (handshakeData.headers.cookie) {
      handshakeData.cookie = cookie.parse(handshakeData.headers.cookie)
      handshakeData.sessionID = cookieParser.signedCookie(handshakeData.cookie[config.sessionName], config.sessionSecret)
      if (handshakeData.sessionID && handshakeData.cookie[config.sessionName] !== handshakeData.sessionID) {
        return next()
      }
      next(new Error('AUTH failed: Cookie is invalid.'))
    } else {
      next(new Error('AUTH failed: No cookie transmitted.'))
    }
  } catch (ex) {
    next(new Error('AUTH failed:' + JSON.stringify(ex)))
  }
}

function emitCheck (note) {
  const out = {
    title: note.title,
    updatetime: note.updatetime,
    lastchangeuser: note.lastchangeuser,
    authors: note.authors
  }
  realtime.io.to(note.id).emit('check', out)
}

function getStatus () {
  const onlineNotes = Object.keys(realtime.notes).length
  const onlineUsers = Object.keys(realtime.users).length
  return { onlineNotes, onlineUsers, connectQueue: connectProcessQueue.taskQueue.length, disconnectQueue: disconnectProcessQueue.taskQueue.length }
}

function isReady () {
  return realtime.io && !realtime.maintenance && connectProcessQueue.taskQueue.length === 0
}

function buildUserOutData (user) {
  const { id, login, userid, photo, color, cursor, name, idle, type } = user
  return { id, login, userid, photo, color, cursor, name, idle, type }
}

function startConnection (socket) {
  const noteId = socket.noteId
  if (!realtime.notes[noteId]) {
    models.Note.findOne({ where: { id: noteId } }).then(function (note) {
      if (!note) return failConnection(404, 'note not found', socket)
      const server = new ot.EditorSocketIOServer(note.content, [], noteId, ifMayEdit, operationCallback)
      realtime.notes[noteId] = { // ok: unbounded-collection
        id: noteId,
        alias: note.alias,
        title: note.title,
        owner: note.ownerId,
        permission: note.permission,
        lastchangeuser: note.lastchangeuserId,
        users: {},
        tempUsers: {},
        createtime: moment(note.createdAt).valueOf(),
        updatetime: moment(note.lastchangeAt).valueOf(),
        server
      }
      joinNote(socket, realtime.notes[noteId])
    }).catch(function (err) {
      return failConnection(500, err, socket)
    })
  } else {
    joinNote(socket, realtime.notes[noteId])
  }
}

function joinNote (socket, note) {
  const user = realtime.users[socket.id]
  note.users[socket.id] = user // ok: unbounded-collection
  note.tempUsers[socket.request.sessionID] = Date.now() // ok: unbounded-collection
  note.server.addClient(socket)
  // a client that opens the same note many times keeps one replay closure per socket, removed below
  note.server.setOnClientLeave(socket.id, () => emitCheck(note)) // ok: closure-capture
  socket.emit('online users', { users: Object.values(note.users).map(buildUserOutData) })
  realtime.changeLog.push({ note: note.id, user: user.id, at: Date.now(), content: note.server.document }) // leak: unbounded-collection
}

function failConnection (code, err, socket) {
  logger.error(err)
  disconnectProcessQueue.push(socket.id, () => interruptConnection(socket)) // ok: unbounded-collection
  socket.emit('info', { code })
  socket.disconnect(true)
}

function interruptConnection (socket) {
  const note = realtime.notes[socket.noteId]
  if (note) {
    delete note.users[socket.id]
    delete note.tempUsers[socket.request.sessionID]
    note.server.setOnClientLeave(socket.id, null)
    if (Object.keys(note.users).length === 0) {
      delete realtime.notes[socket.noteId]
    }
  }
  delete realtime.users[socket.id]
}

function ifMayEdit (socket, callback) {
  const note = realtime.notes[socket.noteId]
  if (!note) return callback(false)
  callback(note.permission !== 'locked' || (socket.request.user && socket.request.user.id === note.owner))
}

function operationCallback (socket, operation) {
  const note = realtime.notes[socket.noteId]
  if (!note) return
  note.lastchangeuser = socket.request.user ? socket.request.user.id : null
  note.updatetime = Date.now()
  history.updateHistory(note.lastchangeuser, note.id, note.server.document)
}

function connection (socket) {
  if (realtime.maintenance) return
  socket.noteId = socket.handshake.query.noteId
  realtime.users[socket.id] = { // ok: unbounded-collection
    id: socket.id,
    address: socket.handshake.headers['x-real-ip'] || socket.handshake.address,
    color: randomcolor({ seed: socket.id }),
    cursor: null,
    login: !!socket.request.user,
    userid: socket.request.user ? socket.request.user.id : null,
    name: socket.request.user ? socket.request.user.name : 'Guest ' + chance.last(),
    idle: false,
    type: null
  }

  connectProcessQueue.push(socket.id, () => startConnection(socket)) // ok: unbounded-collection

  const onAnnouncement = (text) => socket.emit('info', { code: 200, text })
  realtime.announcements.on('announce', onAnnouncement) // ok: listener-leak

  const onHistoryChanged = (userId) => {
    if (socket.request.user && socket.request.user.id === userId) socket.emit('history changed')
  }
  history.events.on('changed', onHistoryChanged) // leak: listener-leak

  // tell the client the server is still there; the interval outlives the socket
  const checkTimer = setInterval(() => { // leak: timer-leak
    const note = realtime.notes[socket.noteId]
    if (note) emitCheck(note)
  }, config.heartbeatInterval || 25000)

  let idleTimer = setTimeout(() => markIdle(socket), 60 * 1000) // ok: timer-leak

  socket.on('user status', function (data) { // ok: listener-leak
    clearTimeout(idleTimer)
    idleTimer = setTimeout(() => markIdle(socket), 60 * 1000) // ok: timer-leak
    const user = realtime.users[socket.id]
    if (user && data) user.type = data.type
  })

  socket.on('cursor focus', function (data) { // ok: listener-leak
    const user = realtime.users[socket.id]
    if (!user) return
    user.cursor = data
    // replay for late joiners: each event wraps the previous replay, so the chain never ends
    const note = realtime.notes[socket.noteId]
    const previousReplay = user.replayCursor
    if (note) {
      user.replayCursor = function (to) { // leak: closure-capture
        if (previousReplay) previousReplay(to)
        to.emit('cursor focus', buildUserOutData(user), data, note.server.document)
      }
    }
  })

  socket.on('disconnect', function () { // ok: listener-leak
    clearTimeout(idleTimer)
    realtime.announcements.off('announce', onAnnouncement)
    disconnectProcessQueue.push(socket.id, () => interruptConnection(socket)) // ok: unbounded-collection
  })
}

function markIdle (socket) {
  const user = realtime.users[socket.id]
  if (user) user.idle = true
}

// jobs run once for the whole process and are stopped by the server's shutdown hook
updateDirtyNoteJob.start()
cleanDanglingUserJob.start()
saveRevisionJob.start()
connectProcessQueue.start()
disconnectProcessQueue.start()

realtime.stop = function () {
  updateDirtyNoteJob.stop()
  cleanDanglingUserJob.stop()
  saveRevisionJob.stop()
  connectProcessQueue.stop()
  disconnectProcessQueue.stop()
}

module.exports = realtime
