// The same counts, capped: past a size the oldest address is dropped.
const express = require('express');

const wrongCodes = new Map();
const app = express();

app.post('/verify', express.json(), async (req, res) => {
  const who = req.ip;
  if (await codeMatches(req.body.code)) {
    wrongCodes.delete(who);
    return res.sendStatus(204);
  }
  wrongCodes.set(who, (wrongCodes.get(who) || 0) + 1);
  if (wrongCodes.size > 10000) wrongCodes.delete(wrongCodes.keys().next().value);
  res.status(401).json({ tries: wrongCodes.get(who) });
});

async function codeMatches(code) {
  return code === process.env.CODE;
}

module.exports = app;
