// A plugin's render cache bounded while it serves: entries for a file are dropped when the
// file changes, and the whole cache when the build ends.
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
      renderCache.set(key, html);
      return html;
    },
    handleHotUpdate({ file }) {
      for (const key of renderCache.keys()) if (key.startsWith(`${file}?`)) renderCache.delete(key);
    },
    buildEnd() {
      renderCache.clear();
    },
  };
}

async function render(code) {
  return `<div>${code}</div>`;
}
