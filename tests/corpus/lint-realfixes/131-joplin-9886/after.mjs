// turndown GFM plugin: the rules run for every table cell and row of every
// HTML note converted to Markdown (imports, web clipper, rich-text editor saves).

// tableShouldBeSkipped is expensive, so its result is cached per table node;
// a WeakMap lets the nodes of a converted document go with the document.
const tableShouldBeSkippedCache_ = new WeakMap();

function nodeContainsTable(node) {
  if (!node.childNodes) return false;
  for (let i = 0; i < node.childNodes.length; i++) {
    const child = node.childNodes[i];
    if (child.nodeName === 'TABLE') return true;
    if (nodeContainsTable(child)) return true;
  }
  return false;
}

function tableShouldBeSkipped(tableNode) {
  const cached = tableShouldBeSkippedCache_.get(tableNode);
  if (cached !== undefined) return cached;

  let result = false;
  if (!tableNode || !tableNode.rows) result = true;
  else if (tableNode.rows.length === 1 && tableNode.rows[0].childNodes.length <= 1) result = true;
  else if (nodeContainsTable(tableNode)) result = true;

  tableShouldBeSkippedCache_.set(tableNode, result);
  return result;
}

const rules = {};

rules.tableCell = {
  filter: ['th', 'td'],
  replacement: function (content, node) {
    if (tableShouldBeSkipped(node.closest('table'))) return content;
    return '| ' + content.trim() + ' ';
  },
};

rules.table = {
  filter: 'table',
  replacement: function (content, node) {
    if (tableShouldBeSkipped(node)) return content;
    return '\n\n' + content + '\n\n';
  },
};

export default function tables(turndownService) {
  for (const key in rules) turndownService.addRule(key, rules[key]);
}
