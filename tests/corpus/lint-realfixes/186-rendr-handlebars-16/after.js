// rendr-handlebars: index.js (registerHelpers) and shared/helpers.js, in one file.
// rendr builds a new app, and with it calls this module's factory and
// registerHelpers, for every server-side request.
var _ = require('underscore');
var Handlebars = require('handlebars');

// the original `each`, taken once for the module: taking it on every call took
// the previous call's wrapper instead, one more level per request
var oldEach;

function rendrHelpers(Handlebars, getTemplate) {
  oldEach = oldEach || Handlebars.helpers.each;

  return {
    partial: function(templateName, options) {
      var template = getTemplate(templateName);
      var context = _.isEmpty(options.hash) ? this : options.hash;
      context = _.clone(context);
      context._app = this._app || (options.data && options.data._app);
      return new Handlebars.SafeString(template(context));
    },

    json: function(object, spacing) {
      return new Handlebars.SafeString(JSON.stringify(object, null, spacing) || 'null');
    },

    /**
     * Extend `each` to pass through important context.
     */
    each: function(context, options) {
      options.data = Handlebars.createFrame(options.data || {});

      // make this._app, this._view ... available inside the loop
      _.extend(options.data, getOptionsFromContext(this));

      // Call the original helper with new context.
      return oldEach.call(this, context, options);
    }
  };
}

function getOptionsFromContext(obj) {
  return ['_app', '_view', '_model', '_collection'].reduce(function(memo, key) {
    if (obj[key]) {
      memo[key] = obj[key];
    }
    return memo;
  }, {});
}

module.exports = function(options){
  var localExports = {};

  localExports.Handlebars = Handlebars;
  localExports.getTemplate = function(templateName) {
    return require(options.entryPath + 'app/templates/compiledTemplates')[templateName];
  };

  localExports.registerHelpers = function registerHelpers(helpersModule) {
    var helpers = helpersModule(Handlebars, localExports.getTemplate);

    for (var key in helpers) {
      if (!helpers.hasOwnProperty(key)) continue;
      Handlebars.registerHelper(key, helpers[key]);
    }
  };

  localExports.registerHelpers(rendrHelpers);

  return localExports;
};
