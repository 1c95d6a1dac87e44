/* global APP */
'use strict';
// Paths on a declared global that do not grow without bound: a cache object made elsewhere
// (with its own expiry), flags under keys the file spells, and live entries removed on close.
const router = require('express').Router();

router.get('/boards/:id', async (req, res) => {
  let board = APP.cache.get(req.params.id);
  if (!board) {
    board = await APP.db.boards.find(req.params.id);
    APP.cache.set(req.params.id, board, 120);
  }
  APP.flags['boardsServed'] = true;
  res.json(board);
});

router.get('/boards/:id/live', (req, res) => {
  const key = `${req.params.id}:${Date.now()}`;
  APP.live[key] = res;
  req.on('close', () => {
    delete APP.live[key];
  });
});

module.exports = router;
