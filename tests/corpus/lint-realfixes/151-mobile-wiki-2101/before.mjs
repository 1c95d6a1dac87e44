// The search route of an Ember app rendered by FastBoot: didTransition runs on
// every server-rendered search page. Ads is a module-level singleton; on the
// server its initialisation starts on the first request and never finishes.
import Route from '@ember/routing/route';
import { inject as service } from '@ember/service';
import Ads from '../modules/ads';

export default Route.extend({
  adsContextService: service('ads-context'),

  actions: {
    didTransition() {
      this.adsContextService.getAdsContext()
        .then((adsContext) => {
          const ads = Ads.getInstance();

          if (ads.isInitializationStarted) {
            // queued on a promise that stays pending on the server, with this request's context
            Ads.getLoadedInstance().then(() => { // leak: closure-capture
              ads.afterTransition(adsContext);
            });
          } else {
            ads.init(adsContext, this.transitionQueryParams);
          }
        });

      return true;
    },
  },
});
