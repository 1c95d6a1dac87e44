'use strict';
// Deprecation notices shown once each: every entry the set can get is spelled in this file
// (a literal, or a const given one), so it holds at most that many.
const shown = new Set();

function notice(id, text) {
  if (shown.has(id)) return;
  process.emitWarning(text, 'DeprecationWarning', id);
}

function legacyAuth(req) {
  const id = 'DEP_LEGACY_AUTH';
  if (!shown.has(id)) {
    shown.add(id);
    notice(id, 'basic auth in the query string is deprecated');
  }
  return req.query.user;
}

function oldPaging(req) {
  shown.add('DEP_OFFSET_PAGING');
  return Number(req.query.offset) || 0;
}

module.exports = { legacyAuth, oldPaging };
