// Look-alike: the hook listens on a stream it opens itself for the call, which ends with it.
const { PassThrough } = require('stream');

const copyReplies = async (hookCtx) => {
  const feed = new PassThrough();
  feed.on('data', (chunk) => hookCtx.result.parts.push(chunk));
  feed.end(JSON.stringify(hookCtx.data));
};

module.exports = {
  around: {
    create: [copyReplies],
  },
};
