// Module slots given a new closure per call that keeps the slot's old value: a chain of every
// call's closures (and what each one holds).
let teardown = () => {};
let lastRender = null;

export function mountWidget(page, widget) {
  const node = page.attach(widget);
  teardown = ((before) => () => { // expect: closure-captures-request
    before();
    node.remove();
  })(teardown);
}

export async function renderReport(rows) {
  const earlier = lastRender;
  const html = await toHtml(rows);
  const compare = () => (earlier ? html.length - earlier.size() : 0);
  metrics.observe(compare());
  lastRender = { size: () => html.length, at: Date.now() }; // expect: closure-captures-request
  return html;
}
