// ES5 style: the alias of `this` is declared first and assigned later. The translations
// table is looked up and filled per phrase and per locale, and nothing evicts from it.
function Translator(backend) {
  this._backend = backend;
  this._phrases = {};
}

Translator.prototype.translate = function (locale, phrase) {
  var self, key;
  self = this;
  key = locale + '\u0000' + phrase;
  if (self._phrases[key]) return Promise.resolve(self._phrases[key]);
  return self._backend.lookup(locale, phrase).then(function (text) {
    self._phrases[key] = text; // expect: cache-without-eviction
    return text;
  });
};

module.exports = Translator;
