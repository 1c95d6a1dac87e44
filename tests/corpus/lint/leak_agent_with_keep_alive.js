'use strict';
// The look-alike that does leak: a keep-alive agent per request keeps its idle socket open
// after the response, and nothing destroys the agent.
const https = require('https');
const axios = require('axios');

module.exports = (app) => {
  app.post('/scan', async (req, res) => {
    const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false }); // expect: client-per-request
    const result = await axios.post(req.body.url, req.body.file, { httpsAgent: agent });
    res.json(result.data);
  });
};
