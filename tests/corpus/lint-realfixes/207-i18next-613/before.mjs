// src/i18next.js (v2), cut to loadResources(), loadNamespaces() and loadLanguages().
// The I18n instance is the module's default export, shared by the whole process; any code
// may call loadLanguages() whenever it needs a language, as often as it likes.
import EventEmitter from 'events';

class I18n extends EventEmitter {
  constructor(options = {}, services = {}) {
    super();
    this.options = options;
    this.services = services;
    this.language = options.lng;
  }

  loadResources(callback) {
    if (!callback) callback = () => {};

    if (!this.options.resources) {
      if (this.language && this.language.toLowerCase() === 'cimode') return callback();

      let toLoad = [];

      let append = lng => {
        let lngs = this.services.languageUtils.toResolveHierarchy(lng);
        lngs.forEach(l => {
          if (toLoad.indexOf(l) < 0) toLoad.push(l);
        });
      };

      append(this.language);

      if (this.options.preload) {
        this.options.preload.forEach(l => {
          append(l);
        });
      }

      this.services.backendConnector.load(toLoad, this.options.ns, callback);
    } else {
      callback(null);
    }
  }

  loadNamespaces(ns, callback) {
    if (!this.options.ns) return callback && callback();
    if (typeof ns === 'string') ns = [ns];

    ns.forEach(n => {
      if (this.options.ns.indexOf(n) < 0) this.options.ns.push(n);
    });

    this.loadResources(callback);
  }

  loadLanguages(lngs, callback) {
    if (typeof lngs === 'string') lngs = [lngs];
    this.options.preload = this.options.preload ? this.options.preload.concat(lngs) : lngs; // leak: unbounded-collection

    this.loadResources(callback);
  }
}

export default new I18n();
