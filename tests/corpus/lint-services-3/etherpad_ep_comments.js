// Server side of a comments plugin for Etherpad: hooks registered in ep.json
// (socketio, expressCreateServer, padRemove, handleMessageSecurity).

var eejs = require('ep_etherpad-lite/node/eejs/');
var settings = require('ep_etherpad-lite/node/utils/Settings');
var padManager = require('ep_etherpad-lite/node/db/PadManager');
var authorManager = require('ep_etherpad-lite/node/db/AuthorManager');
var formidable = require('formidable');
var log4js = require('ep_etherpad-lite/node_modules/log4js');
var commentManager = require('./commentManager');
var apiUtils = require('./apiUtils');

var logger = log4js.getLogger('ep_comments_page');

// replies waiting for a moderator, by comment id
var pendingReplies = {};

// the last comments shown per pad, for the timeline widget
var timelines = {};

function initPluginState() {
  recentAuthors = [];
  global.epCommentsConfig = settings.ep_comments_page || {}; // ok: global-growth
  global.epCommentsSeen = global.epCommentsSeen || {}; // ok: global-growth
}

exports.loadSettings = function (hook_name, args, cb) {
  initPluginState();
  cb();
};

exports.padRemove = function (hook_name, context, callback) {
  delete timelines[context.padID];
  commentManager.deleteCommentReplies(context.padID, function () {
    commentManager.deleteComments(context.padID, callback);
  });
};

exports.handleMessageSecurity = function (hook_name, context, callback) {
  var message = context.message;
  if (message && message.data && message.data.apool && message.type === 'COLLABROOM') {
    // comment ids travel in attributes; they are allowed for readonly pads too
    if (message.data.apool.numToAttrib && message.data.apool.numToAttrib[0] &&
        message.data.apool.numToAttrib[0][0] === 'comment') {
      return callback(true);
    }
  }
  callback();
};

exports.socketio = function (hook_name, args, cb) {
  var io = args.io.of('/comment');

  io.on('connection', function (socket) { // ok: listener-leak
    var joined = null;

    function onCommentAdded(padId, comment) {
      if (padId === joined) socket.emit('pushAddComment', comment.commentId, comment);
    }
    commentManager.events.on('commentAdded', onCommentAdded); // ok: listener-leak
    socket.on('disconnect', function () {
      commentManager.events.removeListener('commentAdded', onCommentAdded);
    });

    socket.on('getComments', function (data, respond) { // ok: closure-capture
      joined = data.padId;
      socket.join(data.padId);
      commentManager.getComments(data.padId, function (err, comments) {
        respond(comments);
      });
    });

    socket.on('addComment', function (data, respond) {
      var padId = data.padId;
      var content = data.comment;
      commentManager.addComment(padId, content, function (err, commentId, comment) {
        if (err) return respond(err);
        recentAuthors.push({ author: content.author, padId: padId, at: Date.now() }); // leak: global-growth
        var timeline = timelines[padId] || (timelines[padId] = []); // ok: unbounded-collection
        timeline.push(commentId); // ok: unbounded-collection
        if (timeline.length > 20) timeline.splice(0, timeline.length - 20);
        socket.broadcast.to(padId).emit('pushAddComment', commentId, comment);
        respond(commentId, comment);
      });
    });

    socket.on('revertChange', function (data, respond) {
      global.epCommentsSeen[data.padId + ':' + data.commentId] = Date.now(); // leak: global-growth
      commentManager.changeAcceptedState(data.padId, data.commentId, false, function () {
        socket.broadcast.to(data.padId).emit('changeReverted', data.commentId);
        respond();
      });
    });

    socket.on('addCommentReply', function (data, respond) {
      var padId = data.padId;
      if (global.epCommentsConfig.moderateReplies) {
        pendingReplies[data.commentId] = function approve() { // leak: closure-capture, unbounded-collection
          commentManager.addCommentReply(padId, data, function (err, replyId, reply) {
            socket.broadcast.to(padId).emit('pushAddCommentReply', replyId, reply);
          });
        };
        return respond(null, 'pending');
      }
      commentManager.addCommentReply(padId, data, function (err, replyId, reply) {
        reply.replyId = replyId;
        socket.broadcast.to(padId).emit('pushAddCommentReply', replyId, reply);
        respond(replyId, reply);
      });
    });

    socket.on('approveReply', function (data, respond) {
      var approve = pendingReplies[data.commentId];
      delete pendingReplies[data.commentId];
      if (approve) approve();
      respond();
    });
  });
  cb();
};

exports.expressCreateServer = function (hook_name, args, callback) {
  args.app.get('/p/:pad/:rev?/comments', function (req, res) {
    var fields = {};
    authorManager.getAuthor4Token(req.query.token).then(function (authorId) {
      commentManager.getComments(req.params.pad, function (err, data) {
        if (err) return res.json({ code: 2, message: 'internal error', data: null });
        fields.author = authorId;
        res.on('finish', function () { // ok: closure-capture
          logger.debug('served ' + Object.keys(data.comments || {}).length + ' comments of ' + req.params.pad + ' to ' + fields.author);
        });
        res.json({ code: 0, data: data, author: fields.author });
      });
    });
  });

  args.app.post('/p/:pad/:rev?/comments', function (req, res) {
    var form = new formidable.IncomingForm(); // ok: resource-per-request
    form.parse(req, function (err, fields) {
      if (err) return res.json({ code: 2, message: 'internal error', data: null });
      var apiKeyReceived = fields.apikey || fields.api_key;
      if (!apiUtils.validateApiKey(apiKeyReceived)) return res.status(401).json({ code: 4, message: 'no or wrong API Key', data: null });
      commentManager.bulkAddComments(req.params.pad, JSON.parse(fields.data), function (err, commentIds) {
        res.json({ code: 0, commentIds: commentIds });
      });
    });
  });
  callback();
};

exports.eejsBlock_scripts = function (hook_name, args, cb) {
  args.content = args.content + eejs.require('ep_comments_page/templates/comments.html', {}, module);
  return cb();
};
