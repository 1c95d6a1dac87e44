// Ember app rendered on the server by FastBoot: every request gets its own
// application instance, so this service is created once per request there.
// Ads is a module-level singleton whose "loaded" promise only settles in a
// browser; on the server it stays pending for the life of the process.
import Service, { inject as service } from '@ember/service';

class PromiseLock {
  constructor() {
    this.finished = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

class Ads {
  constructor() {
    this.initialization = new PromiseLock();
  }

  static getInstance() {
    if (Ads.instance === null) {
      Ads.instance = new Ads();
    }
    return Ads.instance;
  }

  static getLoadedInstance() {
    return Ads.getInstance().initialization.finished;
  }
}
Ads.instance = null;

export default Service.extend({
  currentUser: service(),
  fastboot: service(),
  willUapNotAppearForAnon: false,

  init() {
    this._super(...arguments);

    // ads never load on the server: do not wait for them there
    if (!this.fastboot.get('isFastBoot')) {
      Ads.getLoadedInstance()
        .then((ads) => {
          ads.waitForUapResponse().then((isUapLoaded) => {
            if (!isUapLoaded) {
              this.set('willUapNotAppearForAnon', true);
            }
          });
        })
        .catch(() => {
          this.set('willUapNotAppearForAnon', true);
        });
    }
  },
});
