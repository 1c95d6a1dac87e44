// A module-level memo of rendered pages, keyed by what its one caller, an exported loader,
// builds from the request's path and query string: one entry per distinct URL.
const pages = new Map();

function renderPage(pageKey, markdown) {
  const hit = pages.get(pageKey);
  if (hit) return hit;
  const html = markdown.split('\n').map((line) => `<p>${line}</p>`).join('');
  pages.set(pageKey, html); // expect: cache-without-eviction
  return html;
}

export async function load({ url, source }) {
  return { html: renderPage(`${url.pathname}${url.search}`, source) };
}
