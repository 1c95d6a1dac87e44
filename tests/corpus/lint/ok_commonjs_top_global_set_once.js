// A CommonJS module that forgets `var` at its top level: the names become properties of the
// global object, not of the module, but the top level runs once, when the module is first
// required, so each keeps one value for the process's life and nothing grows. Since session 12
// implicit-global leaves it (a polluted namespace, not a leak: none of the 26 such findings
// independent reviewers judged in halves A-G was a leak).
const path = require('path');

Renderer = function (root) { this.root = path.resolve(root); };
templates = loadAll();

function loadAll() {
  return { page: '<main>{{body}}</main>' };
}

module.exports = Renderer;
