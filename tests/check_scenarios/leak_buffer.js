// Leak: every iteration keeps a 1 KiB Buffer (native memory) in a module-level list.
const uploads = [];

exports.iteration = function receiveUpload() {
  const chunk = Buffer.alloc(1024, 1);
  uploads.push(chunk);
  return chunk.length;
};
