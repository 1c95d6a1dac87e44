// Declared top-level names, and a primitive stamp, in a CommonJS module.
const path = require('path');

var Renderer = function (root) { this.root = path.resolve(root); };
let templates = null;
bootedAt = Date.now();

function loadAll() {
  templates = { page: '<main>{{body}}</main>' };
  return templates;
}

module.exports = { Renderer, loadAll, bootedAt };
