// Uploads in progress, tracked per request stream and forgotten only when the body ends: an
// upload the client aborts is destroyed, emits 'close' and never 'end', and stays tracked.
const uploads = new Map();

function track(req, uploadId) {
  uploads.set(uploadId, { bytes: 0, started: Date.now() }); // expect: module-collection-growth
  req.on('data', (chunk) => { uploads.get(uploadId).bytes += chunk.length; });
  req.on('end', () => { uploads.delete(uploadId); });
}

function progress(uploadId) {
  return uploads.get(uploadId);
}

module.exports = { track, progress };
