'use strict';
// Objects made per request that start a timer only their stop()/close() clears, and the
// request's code never calls it.
const express = require('express');

class ProgressReporter {
  constructor(res) {
    this.res = res;
    this.timer = setInterval(() => this.res.write('.'), 1000);
  }

  stop() {
    clearInterval(this.timer);
  }
}

class KeepAlive {
  constructor(socket) {
    this.socket = socket;
  }

  start() {
    this.ping = setInterval(() => this.socket.ping(), 15000);
  }

  close() {
    clearInterval(this.ping);
  }
}

const app = express();

app.post('/export', async (req, res) => {
  const progress = new ProgressReporter(res); // expect: cleanup-never-called
  const rows = await loadRows(req.query);
  res.end(JSON.stringify(rows));
});

app.get('/stream', (req, res) => {
  const keepAlive = new KeepAlive(req.socket); // expect: cleanup-never-called
  keepAlive.start();
  res.write('ok');
});

async function loadRows(query) {
  return [query];
}

module.exports = app;
