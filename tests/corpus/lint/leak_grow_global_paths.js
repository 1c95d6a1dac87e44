/* global APP */
'use strict';
// Collections deeper on the global object: under a name the file declares global for its
// linter, and two levels down from `global`. Each grows per request and nothing trims it.
const router = require('express').Router();

router.get('/docs/:slug', async (req, res) => {
  const doc = await APP.db.docs.find(req.params.slug);
  APP.stats.reads[req.params.slug + ':' + req.ip] = Date.now(); // expect: global-collection-growth
  res.json(doc);
});

router.post('/docs/:slug/comments', async (req, res) => {
  global.platform.moderationLog.push({ slug: req.params.slug, body: req.body }); // expect: global-collection-growth
  res.sendStatus(202);
});

module.exports = router;
