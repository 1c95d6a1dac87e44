// The same table, with a bound: past 500 phrases it is emptied before the next one goes in.
function Translator(backend) {
  this._backend = backend;
  this._phrases = {};
  this._count = 0;
}

Translator.prototype.translate = function (locale, phrase) {
  var self, key;
  self = this;
  key = locale + '\u0000' + phrase;
  if (self._phrases[key]) return Promise.resolve(self._phrases[key]);
  return self._backend.lookup(locale, phrase).then(function (text) {
    if (self._count >= 500) {
      self._phrases = {};
      self._count = 0;
    }
    self._phrases[key] = text;
    self._count++;
    return text;
  });
};

module.exports = Translator;
