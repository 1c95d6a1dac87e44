// A CommonJS module that forgets `var` at its top level: the names become properties of the
// global object, not of the module, and keep what they are given for the process's life.
const path = require('path');

Renderer = function (root) { this.root = path.resolve(root); }; // expect: implicit-global
templates = loadAll(); // expect: implicit-global

function loadAll() {
  return { page: '<main>{{body}}</main>' };
}

module.exports = Renderer;
