// The same helper builds its highlighter per call and keeps nothing; a one-shot `once` hook
// runs once.
/* global site */
let ready = false;

site.helpers.register('mark_term', function (text, term) {
  const mark = (s) => s.split(term).join(`<mark>${term}</mark>`);
  return mark(text);
});

site.events.once('ready', function () {
  ready = true;
});
