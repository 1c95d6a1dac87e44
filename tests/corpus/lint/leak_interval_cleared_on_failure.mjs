// A progress ticker per export job: stopped when the export fails, forgotten when it works.
export async function exportWorkspace(job, storage, notify) {
  const ticker = setInterval(() => notify(job.id, job.progress), 2000); // expect: interval-not-cleared
  try {
    await storage.writeArchive(job);
    await notify(job.id, 100);
  } catch (err) {
    clearInterval(ticker);
    await notify(job.id, -1, err.message);
  }
}
