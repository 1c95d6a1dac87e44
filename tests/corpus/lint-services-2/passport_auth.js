'use strict';

// Authentication for the customer portal: Passport local, JWT and OpenID Connect strategies.
const https = require('https');
const crypto = require('crypto');
const { EventEmitter } = require('events');
const axios = require('axios');
const bcrypt = require('bcrypt');
const express = require('express');
const session = require('express-session');
const RedisStore = require('connect-redis').default;
const { createClient } = require('redis');
const passport = require('passport');
const { Strategy: LocalStrategy } = require('passport-local');
const { Strategy: JwtStrategy, ExtractJwt } = require('passport-jwt');
const OAuth2Strategy = require('passport-oauth2');
const { LRUCache } = require('lru-cache');
const users = require('./users');

const redisClient = createClient({ url: process.env.REDIS_URL }); // ok: resource-per-request
redisClient.connect().catch((err) => console.error('redis', err));

const tokenEvents = new EventEmitter();
const userCache = new LRUCache({ max: 5000, ttl: 60 * 1000 });
const failedLogins = {};
const magicLinks = new Map();

function recordFailure(username) {
  failedLogins[username] = (failedLogins[username] || 0) + 1; // leak: unbounded-collection, unbounded-cache
  return failedLogins[username];
}

passport.use(new LocalStrategy({ usernameField: 'email' }, async (email, password, done) => {
  try {
    if ((failedLogins[email] || 0) >= 10) return done(null, false, { message: 'locked' });
    const user = await users.findByEmail(email);
    if (!user || !(await bcrypt.compare(password, user.passwordHash))) {
      recordFailure(email);
      return done(null, false, { message: 'invalid credentials' });
    }
    delete failedLogins[email];
    return done(null, user);
  } catch (err) {
    return done(err);
  }
}));

passport.use(new JwtStrategy({
  jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
  secretOrKey: process.env.JWT_SECRET,
  passReqToCallback: true,
}, async (req, payload, done) => {
  const user = await users.findById(payload.sub);
  if (!user) return done(null, false);
  tokenEvents.on(`revoked:${payload.jti}`, () => { // leak: closure-capture, listener-leak
    req.log.info({ jti: payload.jti, path: req.originalUrl }, 'token revoked during session');
    if (req.session) req.session.destroy(() => {});
  });
  return done(null, user);
}));

passport.use('corporate', new OAuth2Strategy({
  authorizationURL: process.env.IDP_AUTHORIZE_URL,
  tokenURL: process.env.IDP_TOKEN_URL,
  clientID: process.env.IDP_CLIENT_ID,
  clientSecret: process.env.IDP_CLIENT_SECRET,
  callbackURL: '/auth/corporate/callback',
}, async (accessToken, refreshToken, params, profile, done) => {
  try {
    const idp = axios.create({ baseURL: process.env.IDP_API_URL, httpsAgent: new https.Agent({ keepAlive: true }) }); // leak: resource-per-request
    const { data } = await idp.get('/userinfo', { headers: { authorization: `Bearer ${accessToken}` } });
    const user = await users.upsertFromIdp(data);
    return done(null, user);
  } catch (err) {
    return done(err);
  }
}));

passport.serializeUser((user, done) => done(null, user.id));
passport.deserializeUser(async (id, done) => {
  try {
    let user = userCache.get(id);
    if (!user) {
      user = await users.findById(id);
      if (user) userCache.set(id, user); // ok: unbounded-cache
    }
    done(null, user || false);
  } catch (err) {
    done(err);
  }
});

const purge = setInterval(() => { // ok: timer-leak
  const now = Date.now();
  for (const [token, entry] of magicLinks) if (entry.expires < now) magicLinks.delete(token);
}, 60 * 1000);
purge.unref();

const router = express.Router();
router.use(session({
  store: new RedisStore({ client: redisClient, prefix: 'portal:' }), // ok: resource-per-request
  secret: process.env.SESSION_SECRET,
  resave: false,
  saveUninitialized: false,
  cookie: { secure: true, maxAge: 8 * 60 * 60 * 1000 },
}));
router.use(passport.initialize());
router.use(passport.session());

router.post('/login', passport.authenticate('local', { failureRedirect: '/login?failed=1' }), (req, res) => res.redirect('/'));
router.get('/auth/corporate', passport.authenticate('corporate'));
router.get('/auth/corporate/callback', passport.authenticate('corporate', { failureRedirect: '/login' }), (req, res) => res.redirect('/'));

router.post('/magic-link', express.json(), async (req, res) => {
  const user = await users.findByEmail(req.body.email);
  if (user) {
    const token = crypto.randomBytes(24).toString('base64url');
    magicLinks.set(token, { userId: user.id, expires: Date.now() + 15 * 60 * 1000 }); // ok: unbounded-collection
    await users.sendMagicLink(user, token);
  }
  res.status(202).json({ sent: true });
});

router.get('/magic-link/:token', (req, res, next) => {
  const entry = magicLinks.get(req.params.token);
  magicLinks.delete(req.params.token);
  if (!entry || entry.expires < Date.now()) return res.status(410).send('link expired');
  req.login({ id: entry.userId }, (err) => (err ? next(err) : res.redirect('/')));
});

router.post('/tokens/:jti/revoke', passport.authenticate('jwt', { session: false }), (req, res) => {
  tokenEvents.emit(`revoked:${req.params.jti}`);
  res.status(204).end();
});

module.exports = { router, tokenEvents };
