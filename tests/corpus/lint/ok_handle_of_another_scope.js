// The caller keeps the returned handle and clears it.
function pollBuild(ci, id) {
  const timer = setInterval(() => ci.status(id), 30000);
  return timer;
}

module.exports = function onPush(ci, event, done) {
  const poll = pollBuild(ci, event.buildId);
  done.then(() => clearInterval(poll));
};
