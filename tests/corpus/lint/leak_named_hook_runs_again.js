// A template helper registered by name: the site generator calls it for every page it renders,
// and each call wraps the previous highlighter.
/* global site */
let highlight = (s) => s;

site.helpers.register('mark_term', function (text, term) {
  const previous = highlight;
  highlight = (s) => previous(s).split(term).join(`<mark>${term}</mark>`); // expect: closure-captures-request
  return highlight(text);
});
