'use strict';
// Express app with a debugging middleware left on. express@4 from npm.
const express = require('express');

const app = express();
const recentRequests = [];
const routeStats = {};

class RouteStat {
  constructor(route) {
    this.route = route;
    this.hits = 0;
    this.samples = new Array(50).fill(0);
  }
}

class DebugEntry { // eval: debug-requests
  constructor(req) { // eval: debug-requests
    this.method = req.method;
    this.url = req.originalUrl;
    this.headers = { ...req.headers };
    this.at = Date.now();
  }
}

app.use((req, res, next) => {
  recentRequests.push(new DebugEntry(req)); // eval: debug-requests
  next();
});

app.use((req, res, next) => {
  const route = req.path.split('/')[1] || 'root';
  routeStats[route] = routeStats[route] || new RouteStat(route);
  routeStats[route].hits += 1;
  routeStats[route].samples[routeStats[route].hits % 50] = Date.now();
  next();
});

app.get('/users/:id', (req, res) => res.json({ id: req.params.id, name: 'user ' + req.params.id }));
app.get('/items', (req, res) => res.json([{ id: 1 }, { id: 2 }]));

app.listen(Number(process.env.PORT), '127.0.0.1');
