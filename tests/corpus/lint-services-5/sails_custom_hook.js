/**
 * custom hook, a few actions2 actions and a helper, after the Sails v1 "Web App" generator
 * (api/hooks/custom/index.js, api/controllers/account/*, api/helpers/*) as used by apps built
 * on it (sailscasts' boring stack, pingcrm).  `sails`, `User` and `_` are globals Sails exposes;
 * the file is sloppy-mode CommonJS like the generated ones.
 *
 * @description :: A hook definition.  Extends Sails by adding shadow routes, implicit actions, and/or initialization logic.
 * @docs        :: https://sailsjs.com/docs/concepts/extending-sails/hooks
 */

var redis = require('redis');
var flaverr = require('flaverr');

var rateLimitClient;
var pendingEmailTokens = {};
var socketPollers = {};

module.exports = function defineCustomHook(sails) {

  return {

    /**
     * Runs when a Sails app loads/lifts.
     */
    initialize: async function () {

      sails.log.info('Initializing project hook... (`api/hooks/custom/`)');

      // Check Stripe/Sendgrid configuration (for billing and emails).
      var IMPORTANT_STRIPE_CONFIG = ['stripeSecret', 'stripePublishableKey'];
      var isMissingStripeConfig = _.difference(IMPORTANT_STRIPE_CONFIG, Object.keys(sails.config.custom)).length > 0;
      if (isMissingStripeConfig) {
        sails.log.verbose('Some optional settings have not been configured yet.');
      }

      sails.config.custom.recentSignups = []; // ok: global-growth
      sails.config.custom.startedAt = Date.now(); // ok: global-growth

      rateLimitClient = redis.createClient({ url: sails.config.custom.redisUrl }); // ok: resource-per-request
      await rateLimitClient.connect();

      sails.on('lower', function () { // ok: listener-leak
        _.each(socketPollers, function (poller) { clearInterval(poller); });
        rateLimitClient.quit();
      });

      sails.after(['hook:orm:loaded'], function () { // ok: listener-leak
        sails.log.verbose('ORM loaded; custom hook ready.');
      });

    },

    routes: {

      /**
       * Runs before every matching route.
       */
      before: {
        '/*': {
          skipAssets: true,
          fn: async function (req, res, next) {

            var url = require('url');

            // First, if this is a GET request (and thus potentially a view),
            // attach a couple of guaranteed locals.
            if (req.method === 'GET') {
              if (res.locals._environment !== undefined) {
                throw new Error('Cannot attach Sails environment as the view local `_environment`, because this view local already exists!');
              }
              res.locals._environment = sails.config.environment;
            }

            // No session? Proceed as usual.
            if (!req.session || !req.session.userId) { return next(); }

            var loggedInUser = await User.findOne({ id: req.session.userId });
            if (!loggedInUser) {
              sails.log.warn('Somehow, the user record for the logged-in user (`' + req.session.userId + '`) has gone missing....');
              delete req.session.userId;
              return res.redirect('/login');
            }

            // remember last-seen for the admin dashboard
            lastSeenByUser = typeof lastSeenByUser === 'object' ? lastSeenByUser : {};
            lastSeenByUser[loggedInUser.id] = { at: Date.now(), path: url.parse(req.url).pathname }; // leak: global-growth

            // reload the user record when the ORM reloads (dev only)
            sails.on('hook:orm:reloaded', function () { // leak: listener-leak
              User.findOne({ id: loggedInUser.id }).then(function (u) { req.me = u; });
            });

            req.me = loggedInUser;
            if (req.method === 'GET' || req.wantsJSON) {
              res.setHeader('Cache-Control', 'no-cache, no-store');
              res.locals.me = _.omit(loggedInUser, ['password', 'emailProofToken']);
            }

            return next();
          }
        }
      }
    }

  };

};

// ---- api/controllers/entrance/signup.js ----
module.exports.signup = {

  friendlyName: 'Signup',

  inputs: {
    emailAddress: { required: true, type: 'string', isEmail: true },
    password: { required: true, type: 'string', maxLength: 200 },
    fullName: { required: true, type: 'string' }
  },

  exits: {
    success: { description: 'New user account was created successfully.' },
    emailAlreadyInUse: { statusCode: 409, description: 'The provided email address is already in use.' }
  },

  fn: async function ({ emailAddress, password, fullName }) {
    var newEmailAddress = emailAddress.toLowerCase();
    var newUserRecord = await User.create(_.extend({
      fullName,
      emailAddress: newEmailAddress,
      password: await sails.helpers.passwords.hashPassword(password),
      tosAcceptedByIp: this.req.ip
    }))
    .intercept('E_UNIQUE', 'emailAlreadyInUse')
    .fetch();

    sails.config.custom.recentSignups.push({ id: newUserRecord.id, at: Date.now() }); // leak: global-growth

    this.req.session.userId = newUserRecord.id;
  }

};

// ---- api/controllers/entrance/send-password-recovery-email.js ----
module.exports.sendPasswordRecoveryEmail = {

  inputs: { emailAddress: { type: 'string', required: true } },

  fn: async function ({ emailAddress }) {
    var userRecord = await User.findOne({ emailAddress: emailAddress.toLowerCase() });
    if (!userRecord) { return; }

    var token = await sails.helpers.strings.random('url-friendly');
    pendingEmailTokens[token] = { userId: userRecord.id, at: Date.now() }; // leak: unbounded-collection

    await User.updateOne({ id: userRecord.id }).set({
      passwordResetToken: token,
      passwordResetTokenExpiresAt: Date.now() + sails.config.custom.passwordResetTokenTTL
    });
    await sails.helpers.sendTemplateEmail.with({ to: emailAddress, subject: 'Password reset instructions', template: 'email-reset-password', templateData: { fullName: userRecord.fullName, token } });
  }

};

// ---- api/controllers/entrance/update-password-and-login.js ----
module.exports.updatePasswordAndLogin = {

  inputs: { password: { type: 'string', required: true }, token: { type: 'string', required: true } },

  exits: { invalidToken: { responseType: 'expired' } },

  fn: async function ({ password, token }) {
    var pending = pendingEmailTokens[token];
    if (!pending) { throw 'invalidToken'; }
    delete pendingEmailTokens[token];
    var userRecord = await User.findOne({ id: pending.userId, passwordResetToken: token });
    if (!userRecord || userRecord.passwordResetTokenExpiresAt <= Date.now()) { throw 'invalidToken'; }
    await User.updateOne({ id: userRecord.id }).set({ password: await sails.helpers.passwords.hashPassword(password), passwordResetToken: '' });
    this.req.session.userId = userRecord.id;
  }

};

// ---- api/controllers/dashboard/subscribe-to-stats.js (socket request) ----
module.exports.subscribeToStats = {

  fn: async function () {
    if (!this.req.isSocket) { throw flaverr('E_NOT_SOCKET', new Error('Socket requests only')); }
    var socketId = sails.sockets.getId(this.req);
    sails.sockets.join(this.req, 'stats');
    var me = this.req.me;

    socketPollers[socketId] = setInterval(async function () { // leak: timer-leak
      var count = await User.count({ lastSeenAt: { '>': Date.now() - 60000 } });
      sails.sockets.broadcast('stats', 'online', { count: count, for: me.id });
    }, 10000);
  }

};

module.exports.unsubscribeFromStats = {

  fn: async function () {
    var socketId = sails.sockets.getId(this.req);
    clearInterval(socketPollers[socketId]);
    delete socketPollers[socketId];
    sails.sockets.leave(this.req, 'stats');
  }

};

// ---- api/helpers/check-rate-limit.js ----
module.exports.checkRateLimit = {

  inputs: { key: { type: 'string', required: true }, max: { type: 'number', defaultsTo: 30 } },

  fn: async function ({ key, max }) {
    var count = await rateLimitClient.incr('rl:' + key); // ok: resource-per-request
    if (count === 1) { await rateLimitClient.expire('rl:' + key, 60); }
    return count <= max;
  }

};

// ---- api/helpers/fetch-billing-summary.js ----
module.exports.fetchBillingSummary = {

  inputs: { customerId: { type: 'string', required: true } },

  fn: async function ({ customerId }) {
    var client = redis.createClient({ url: sails.config.custom.redisUrl }); // leak: resource-per-request
    await client.connect();
    var cached = await client.get('billing:' + customerId);
    if (cached) { return JSON.parse(cached); }
    var summary = await sails.helpers.stripe.listInvoices.with({ customerId });
    await client.set('billing:' + customerId, JSON.stringify(summary), { EX: 300 });
    return summary;
  }

};
