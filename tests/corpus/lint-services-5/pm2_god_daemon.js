/**
 * Daemon side of a process manager, after PM2's lib/God.js and lib/God/ActionMethods.js:
 * one God object for the life of the daemon, clusters_db keyed by pm_id, God.bus an
 * EventEmitter2 that every RPC client and every child process talks through.
 */
'use strict';

var cluster       = require('cluster');
var path          = require('path');
var fs            = require('fs');
var EventEmitter2 = require('eventemitter2').EventEmitter2;
var pidusage      = require('pidusage');
var vizion        = require('vizion');
var debug         = require('debug')('pm2:god');
var Utility       = require('./Utility');
var cst           = require('../constants.js');

var God = module.exports = {
  next_id       : 0,
  clusters_db   : {},
  configuration : {},
  started_at    : Date.now(),
  system_infos_proc : null,
  system_infos  : null,
  bus           : new EventEmitter2({ wildcard : true, delimiter : ':', maxListeners : 1000 })
};

var RESTART_HISTORY_MAX = 200;

God.restart_history = [];
God.exit_log = [];
God.versioning_cache = {};

global._pm2_notified = global._pm2_notified || {};

// Forward an event on the bus for every RPC listener
God.notify = function notify(action_name, data, manually) {
  var proc = data.pm2_env ? data : { pm2_env : data };
  var key = proc.pm2_env.pm_id + ':' + action_name + ':' + (proc.pm2_env.restart_time || 0);

  global._pm2_notified[key] = Date.now(); // leak: global-growth

  God.bus.emit('process:event', {
    event : action_name, manually : typeof(manually) != 'undefined', process : Utility.formatCLU(proc), at : Utility.getDate()
  });
};

God.executeApp = function executeApp(env, cb) {
  var env_copy = Utility.clone(env);

  if (env_copy['pm_id'] === undefined) {
    env_copy['pm_id'] = God.getNewId();
  }
  env_copy['status'] = cst.LAUNCHING_STATUS;
  env_copy['pm_uptime'] = Date.now();
  env_copy['axm_actions'] = [];
  env_copy['axm_monitor'] = {};

  var readyCb = function ready(proc) {
    if (proc.pm2_env.vizion !== false)
      God.finalizeProcedure(proc);
    else
      God.notify('online', proc);
    proc.pm2_env.status = cst.ONLINE_STATUS;
    if (cb) cb(null, proc);
  };

  God.forkMode(env_copy, function forkMode(err, clu) {
    if (cb && err) return cb(err);
    if (err) return false;

    var proc = God.clusters_db[env_copy.pm_id] = clu; // ok: unbounded-collection

    clu.once('error', function cluError(err) { // ok: listener-leak
      proc.pm2_env.status = cst.ERRORED_STATUS;
      try { clu.kill && clu.kill(); } catch (e) { God.handleExit(clu, cst.ERROR_EXIT); }
    });

    clu.once('exit', function cluClose(code, signal) { // ok: listener-leak
      if (clu.connected === true) clu.disconnect && clu.disconnect();
      return God.handleExit(proc, code || 0, signal);
    });

    if (proc.pm2_env.max_memory_restart) {
      proc._memCheck = setInterval(function () { // leak: timer-leak
        pidusage(proc.process.pid, function (err, stat) {
          if (!err && stat.memory > proc.pm2_env.max_memory_restart)
            God.restartProcessId({ id: proc.pm2_env.pm_id }, function () {});
        });
      }, 30000);
    }

    if (!clu.pm2_env.wait_ready)
      return readyCb(clu);

    var listener = function (packet) {
      if (packet.raw === 'ready' && packet.process.pm_id === proc.pm2_env.pm_id) {
        God.bus.removeListener('process:msg', listener);
        return readyCb(clu);
      }
    };
    God.bus.on('process:msg', listener); // leak: listener-leak
  });
  return false;
};

God.handleExit = function handleExit(clu, exit_code, kill_signal) {
  var proc = this.clusters_db[clu.pm2_env.pm_id];
  if (!proc) return false;

  if (proc.process.pid)
    pidusage.unmonitor(proc.process.pid);

  var stopping = proc.pm2_env.status == cst.STOPPING_STATUS ||
                 proc.pm2_env.status == cst.STOPPED_STATUS ||
                 proc.pm2_env.autorestart === false;

  God.restart_history.push({ id: proc.pm2_env.pm_id, at: Date.now(), code: exit_code }); // ok: unbounded-collection
  if (God.restart_history.length > RESTART_HISTORY_MAX)
    God.restart_history.splice(0, God.restart_history.length - RESTART_HISTORY_MAX);

  God.exit_log.push({ name : proc.pm2_env.name, id : proc.pm2_env.pm_id, signal : kill_signal, code : exit_code, env : proc.pm2_env }); // leak: unbounded-collection

  if (proc.pm2_env.status != cst.ERRORED_STATUS && proc.pm2_env.status != cst.STOPPING_STATUS)
    proc.pm2_env.status = cst.STOPPED_STATUS;

  try { fs.unlinkSync(proc.pm2_env.pm_pid_path); } catch (e) { debug('pid file', e); }

  God.notify('exit', proc);

  if (!stopping) {
    setTimeout(function () { // ok: timer-leak
      proc.pm2_env.restart_time += 1;
      God.executeApp(proc.pm2_env);
    }, parseInt(proc.pm2_env.restart_delay || 0));
  }
  return false;
};

God.finalizeProcedure = function finalizeProcedure(proc) {
  var current_path = path.dirname(proc.pm2_env.pm_exec_path);
  var proc_id = proc.pm2_env.pm_id;
  var cacheKey = proc_id + ':' + proc.pm2_env.restart_time;

  vizion.analyze({ folder : current_path }, function recur_path(err, meta) {
    var proc = God.clusters_db[proc_id];
    if (!proc || proc.pm2_env.status == cst.STOPPED_STATUS) return;
    if (!err) {
      God.versioning_cache[cacheKey] = meta; // leak: unbounded-cache
      proc.pm2_env.versioning = meta;
    }
    God.notify('online', proc);
  });
};

// RPC methods (ActionMethods)
God.deleteProcessId = function deleteProcessId(id, cb) {
  God.stopProcessId(id, function (err, proc) {
    if (err) return cb(God.logAndGenerateError(err), {});
    clearInterval(proc._memCheck);
    delete God.clusters_db[id];
    if (Object.keys(God.clusters_db).length == 0) God.next_id = 0;
    return cb(null, proc);
  });
};

God.stopProcessId = function stopProcessId(id, cb) {
  var proc = God.clusters_db[id];
  if (!proc) return cb(new Error('Process id unknown'));

  proc.pm2_env.status = cst.STOPPING_STATUS;

  var timeout = setTimeout(function () { // ok: timer-leak
    God.killProcess(proc.process.pid, proc.pm2_env, function () {});
  }, proc.pm2_env.kill_timeout || cst.KILL_TIMEOUT);

  proc.once('exit', function () { // ok: listener-leak
    clearTimeout(timeout);
    return cb(null, Utility.clone(proc));
  });
  proc.kill('SIGINT');
};

God.restartProcessId = function restartProcessId(opts, cb) {
  var proc = God.clusters_db[opts.id];
  if (!proc) return cb(new Error('Process id unknown'));
  God.stopProcessId(opts.id, function () {
    God.executeApp(proc.pm2_env, cb);
  });
};

// Stream logs of one process to an RPC client until it says stop
God.attachLogs = function attachLogs(opts, socket, cb) {
  var onLog = function (packet) {
    if (packet.process.pm_id === opts.pm_id) socket.send('log', packet.data);
  };
  God.bus.on('log:*', onLog); // ok: listener-leak
  socket.once('close', function () { // ok: listener-leak
    God.bus.off('log:*', onLog);
  });
  return cb(null, { attached: true });
};

// Forward custom action results (axm actions) back to whoever asked
God.msgProcess = function msgProcess(cmd, cb) {
  var proc = God.clusters_db[cmd.id];
  if (!proc || !proc.send) return cb(new Error('Process not found'));

  God.bus.on('axm:reply', function (packet) { // leak: listener-leak
    if (packet.process.pm_id === cmd.id && packet.data.action_name === cmd.msg)
      debug('reply for %s', cmd.msg);
  });
  proc.send(cmd.msg);
  return cb(null, 'message sent');
};

God.getMonitorData = function getMonitorData(env, cb) {
  var processes = []; // ok: unbounded-collection
  Object.keys(God.clusters_db).forEach(function (key) {
    var proc = God.clusters_db[key];
    if (proc) processes.push({ pid: proc.process.pid, pm_id: key, name: proc.pm2_env.name }); // ok: unbounded-collection
  });
  cb(null, processes);
};

God.getNewId = function () { return God.next_id++; };

God.logAndGenerateError = function (err) {
  console.error(err.message || err);
  return err instanceof Error ? err : new Error(err);
};

// Worker: one loop for the whole daemon
God.Worker = { timer : null };
God.Worker.start = function () {
  God.Worker.timer = setInterval(function () { // ok: timer-leak
    Object.keys(God.clusters_db).forEach(function (id) {
      var proc = God.clusters_db[id];
      if (proc && proc.pm2_env.cron_restart) debug('cron check %s', id);
    });
  }, cst.WORKER_INTERVAL || 30000);
};
God.Worker.stop = function () {
  clearInterval(God.Worker.timer);
};

if (cluster.isPrimary) {
  setTimeout(function () { God.Worker.start(); }, 500); // ok: timer-leak
}
