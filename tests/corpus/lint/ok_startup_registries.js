// Filled while the service starts, once per plugin or setting: bounded by the configuration.
const plugins = {};
const startupWarnings = [];
const loadedModules = new Set();
const notified = {};

function onPluginAdded(plugin) {
  plugins[plugin.id] = plugin;
}

function init(settings) {
  return settings.load().then((config) => {
    if (!config.git) {
      startupWarnings.push('git not found');
    }
  });
}

function loadModule(name) {
  if (!loadedModules.has(name)) {
    loadedModules.add(name);
    require(name);
  }
}

async function notifyReady(type) {
  if (notified[type]) return;
  notified[type] = true;
  await fetch('http://127.0.0.1:9000/ready?type=' + type);
}

module.exports = { onPluginAdded, init, loadModule, notifyReady, startupWarnings };
