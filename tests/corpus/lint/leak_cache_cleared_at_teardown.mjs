// A render cache a dev-server plugin fills per request, keyed by file and content hash, and
// clears only when the build ends: a dev server runs for hours and never gets there.
import { createHash } from 'node:crypto';

export default function markdownPlugin() {
  const renderCache = new Map();
  return {
    name: 'markdown',
    async transform(code, id) {
      if (!id.endsWith('.md')) return null;
      const key = `${id}?${createHash('sha1').update(code).digest('hex')}`;
      if (renderCache.has(key)) return renderCache.get(key);
      const html = await render(code);
      renderCache.set(key, html); // expect: cache-without-eviction
      return html;
    },
    buildEnd() {
      renderCache.clear();
    },
  };
}

async function render(code) {
  return `<div>${code}</div>`;
}
