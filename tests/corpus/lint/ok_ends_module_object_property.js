// A module-level state object whose collections are trimmed, or keyed by what the file spells.
const registry = {
  recent: [],
  flags: {},
  peers: new Set(),
};

function remember(event) {
  registry.recent.push(event);
  if (registry.recent.length > 200) registry.recent.shift();
  registry.flags.started = true;
}

function join(peer) {
  registry.peers.add(peer);
  peer.on('close', () => registry.peers.delete(peer));
}

module.exports = { remember, join };
