// Hook module: expressCreateServer runs every time the HTTP server is (re)created,
// e.g. on each settings reload or plugin install.
exports.gracefulShutdown = function (err) {
  if (err && err.stack) console.error(err.stack);
  setTimeout(() => process.exit(1), 3000);
};

exports.expressCreateServer = function (hookName, args, cb) {
  exports.app = args.app;

  args.app.use((err, req, res, next) => {
    res.status(500).send({ error: "Sorry, something bad happened!" });
  });

  process.on("uncaughtException", exports.gracefulShutdown); // leak: listener-leak
  cb();
};
