// A memo keyed by a small fixed domain (glob patterns from the config), outside request paths.
const compiled = new Map();

function toRegExp(glob) {
  let re = compiled.get(glob);
  if (re === undefined) {
    re = new RegExp('^' + glob.split('*').map(escape).join('.*') + '$');
    compiled.set(glob, re);
  }
  return re;
}

function escape(text) {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

module.exports = { toRegExp };
