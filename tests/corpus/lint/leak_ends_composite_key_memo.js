// A synchronous memo whose key joins two values the caller hands in: the product of their
// domains has no fixed size, whatever the values are called.
const rendered = new Map();
const widths = new Map();

function labelFor(locale, amount) {
  const key = locale + '|' + amount;
  if (rendered.has(key)) return rendered.get(key);
  const label = new Intl.NumberFormat(locale).format(amount);
  rendered.set(key, label); // expect: cache-without-eviction
  return label;
}

function widthOf(font, glyphs) {
  let width = widths.get(measureKey(font, glyphs));
  if (width === undefined) {
    width = glyphs.length * font.size;
    widths.set(measureKey(font, glyphs), width); // expect: cache-without-eviction
  }
  return width;
}

function measureKey(font, glyphs) {
  return `${font.family}:${glyphs}`;
}

module.exports = { labelFor, widthOf };
