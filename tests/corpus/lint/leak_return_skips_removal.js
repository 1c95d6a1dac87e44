'use strict';
// A registry of tasks in flight: the function adds the task and removes it in a finally,
// but an early return for a cached result leaves before the try, and the entry stays.
const inFlight = new Map();
let seq = 0;

async function runTask(task, results) {
  const id = ++seq;
  inFlight.set(id, { name: task.name, started: Date.now() }); // expect: module-collection-growth
  if (results.has(task.key)) return results.get(task.key);
  try {
    return await task.run();
  } finally {
    inFlight.delete(id);
  }
}

function active() {
  return inFlight.size;
}

module.exports = { runTask, active };
