// Synchronous memos keyed by one value of a small domain (a locale, a glob), even when the
// key is spelled as a template with a constant part.
const formatters = new Map();
const patterns = new Map();

function formatterFor(locale) {
  const key = `num:${locale}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale);
    formatters.set(key, formatter);
  }
  return formatter;
}

function patternFor(glob, flags) {
  let pattern = patterns.get(glob);
  if (!pattern) {
    pattern = new RegExp(glob.replace(/\*/g, '.*'), flags);
    patterns.set(glob, pattern);
  }
  return pattern;
}

module.exports = { formatterFor, patternFor };
