// A hook function referenced from a hooks table runs per call; the emitter it listens on is a
// service the application hands out (`hookCtx.app.lookup(...)`, on whatever the
// parameter is called), which lives as long as the application. Seventh session.
const stampReplies = async (hookCtx) => {
  const threads = hookCtx.app.lookup('threads');
  threads.on('archived', (thread) => { // expect: listener-not-removed
    if (thread.id === hookCtx.result.threadId) hookCtx.result.archived = true;
  });
};

module.exports = {
  around: {
    create: [stampReplies],
  },
};
