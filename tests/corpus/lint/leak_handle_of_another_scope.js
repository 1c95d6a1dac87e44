// Two pollers name their handle `timer`; only the second clears its own. The first returns
// its handle to a caller that drops it.
function pollBuild(ci, id) {
  const timer = setInterval(() => ci.status(id), 30000); // expect: interval-not-cleared
  return timer;
}

async function pollDeploy(ci, id) {
  const timer = setInterval(() => ci.report(id), 30000);
  try {
    await ci.waitForDeploy(id);
  } finally {
    clearInterval(timer);
  }
}

module.exports = async function onPush(ci, event) {
  pollBuild(ci, event.buildId);
  await pollDeploy(ci, event.deployId);
};
