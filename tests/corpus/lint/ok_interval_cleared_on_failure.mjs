// The same ticker, stopped however the export ends.
export async function exportWorkspace(job, storage, notify) {
  const ticker = setInterval(() => notify(job.id, job.progress), 2000);
  try {
    await storage.writeArchive(job);
    await notify(job.id, 100);
  } catch (err) {
    await notify(job.id, -1, err.message);
  } finally {
    clearInterval(ticker);
  }
}

// Stopped on failure here, and by the caller's stop() on success: handed back.
export function watchUpload(upload, report) {
  const ticker = setInterval(() => report(upload.sent), 1000);
  try {
    upload.begin();
  } catch (err) {
    clearInterval(ticker);
    throw err;
  }
  return { stop: () => clearInterval(ticker) };
}
