// A memo of compiled templates keyed by the theme name joined with a constant: one entry per
// theme the file knows, a small fixed domain.
var compile = require('./compile');

var compiled = {};

var templateFor = function (theme) {
  var key = [theme, 'layout'].join('/');
  if (compiled[key] !== undefined) return compiled[key];
  var template = compile(key);
  compiled[key] = template;
  return template;
};

module.exports = function render(page) {
  return templateFor(page.theme)(page);
};
