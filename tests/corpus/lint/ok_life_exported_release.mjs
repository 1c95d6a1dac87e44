// Long-poll subscribers parked per topic until the publisher module calls release(topic),
// which this module exports for it: the removal is keyed by the topic everybody knows, so
// another module ends the entries' life.
const parked = new Map();

function park(topic, reply) {
  const list = parked.get(topic) ?? [];
  list.push(reply);
  parked.set(topic, list);
}

export async function poll(req, reply) {
  const topic = String(req.query.topic);
  park(topic, reply);
}

export function release(topic, payload) {
  const list = parked.get(topic) ?? [];
  parked.delete(topic);
  for (const reply of list) reply.send(payload);
}
