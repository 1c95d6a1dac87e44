'use strict';
// Look-alikes: the per-request object's cleanup is called, the object is handed on, or it
// starts no timer.
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

class Summary {
  constructor() {
    this.rows = [];
  }

  stop() {
    this.rows = [];
  }
}

const app = express();

app.post('/export', async (req, res) => {
  const progress = new ProgressReporter(res);
  try {
    const rows = await loadRows(req.query);
    res.end(JSON.stringify(rows));
  } finally {
    progress.stop();
  }
});

app.post('/export/close', (req, res) => {
  const progress = new ProgressReporter(res);
  res.on('close', () => progress.stop());
});

function startReporting(res) {
  const progress = new ProgressReporter(res);
  return progress;
}

app.post('/export/handed', (req, res) => {
  const progress = startReporting(res);
  res.on('finish', () => progress.stop());
});

app.get('/summary', (req, res) => {
  const summary = new Summary();
  res.json(summary.rows);
});

async function loadRows(query) {
  return [query];
}

module.exports = app;
