'use strict';
const redis = require('redis');
const http = require('http');

const client = redis.createClient(process.env.REDISPORT, process.env.REDISHOST);
client.on('error', (err) => console.error('ERR:REDIS:', err));

const server = http.createServer((req, res) => {
  client.incr('visits', (err, reply) => {
    if (err) {
      res.statusCode = 500;
      res.end(err.message);
      return;
    }
    res.end(`Visitor number: ${reply}\n`);
  });
});

server.listen(8080);
