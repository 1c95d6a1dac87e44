'use strict';
// The look-alike that does leak: a plugin API object, made each time a plugin loads, hands the
// plugin's function to the app-wide emitter, which keeps it after the plugin is unloaded.
const appEvents = require('./app-events');

class PluginSettings {
  constructor(plugin) {
    this.plugin = plugin;
  }

  onChange(handler) {
    appEvents.on('settings-change', handler); // expect: listener-not-removed
  }
}

module.exports = PluginSettings;
