// Wrong-code counts per client address, forgotten only when that client gets it right: an
// address that never does (a scanner, a client that gave up) keeps its count for good.
const express = require('express');

const wrongCodes = new Map();
const app = express();

app.post('/verify', express.json(), async (req, res) => {
  const who = req.ip;
  if (await codeMatches(req.body.code)) {
    wrongCodes.delete(who);
    return res.sendStatus(204);
  }
  wrongCodes.set(who, (wrongCodes.get(who) || 0) + 1); // expect: module-collection-growth
  res.status(401).json({ tries: wrongCodes.get(who) });
});

async function codeMatches(code) {
  return code === process.env.CODE;
}

module.exports = app;
