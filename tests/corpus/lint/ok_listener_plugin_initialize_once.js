// A host loads each plugin once: the factory it exports is called at load, and the host
// calls `initialize` once when the application lifts. Its listener on the app is start-up.
module.exports = function definePresenceHook(app) {
  return {
    defaults: { presence: { ttl: 30 } },
    initialize: async function (done) {
      app.on('lifted', () => {
        app.log.info('presence hook ready');
      });
      return done();
    },
  };
};
