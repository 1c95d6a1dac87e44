// The same registry with the test the right way round: after a drain the hooks are dropped.
const registry = { hooks: [] };

function onDrain(hook) {
  registry.hooks.push(hook);
}

async function drain() {
  await Promise.all(registry.hooks.map((hook) => hook()));
  if (registry.hooks.length > 0) {
    registry.hooks = [];
  }
}

module.exports = { onDrain, drain };
