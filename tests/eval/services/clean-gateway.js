'use strict';
// A clean Express gateway using npm libraries the right way.
const express = require('express');
const axios = require('axios');
const { LRUCache } = require('lru-cache');
const promClient = require('prom-client');
const EventEmitter3 = require('eventemitter3');

const registry = new promClient.Registry();
const responses = new promClient.Counter({
  name: 'gateway_responses_total', help: 'responses', labelNames: ['method', 'status'],
  registers: [registry],
});
const profiles = new LRUCache({ max: 100 });
const bus = new EventEmitter3();

class Profile {
  constructor(id) { this.id = id; this.name = 'user ' + id; this.roles = ['reader', 'writer']; }
}

const client = axios.create({ baseURL: `http://127.0.0.1:${process.env.PORT}` });
client.interceptors.request.use((config) => {
  config.headers['x-gateway'] = 'clean';
  return config;
});

const app = express();
let seq = 0;
app.get('/upstream', (req, res) => res.json({ ok: true }));
app.get('/profile', async (req, res) => {
  const id = ++seq;
  let profile = profiles.get(id);
  if (!profile) { profile = new Profile(id); profiles.set(id, profile); }
  bus.once('done', () => { profile.roles.length; });
  if (id % 10 === 0) await client.get('/upstream');
  bus.emit('done');
  responses.inc({ method: req.method, status: '200' });
  res.json({ id: profile.id, name: profile.name });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
