// The search route of an Ember app rendered by FastBoot: didTransition runs on
// every server-rendered search page. Ads is a module-level singleton; on the
// server its initialisation starts on the first request and never finishes.
import Route from '@ember/routing/route';
import { inject as service } from '@ember/service';
import Ads from '../modules/ads';

export default Route.extend({
  adsContextService: service('ads-context'),
  fastboot: service(),

  actions: {
    didTransition() {
      // ads are a browser concern: nothing is queued while rendering on the server
      if (!this.fastboot.get('isFastBoot')) {
        this.adsContextService.getAdsContext()
          .then((adsContext) => {
            const ads = Ads.getInstance();

            if (ads.isInitializationStarted) {
              Ads.getLoadedInstance().then(() => {
                ads.afterTransition(adsContext);
              });
            } else {
              ads.init(adsContext, this.transitionQueryParams);
            }
          });
      }

      return true;
    },
  },
});
