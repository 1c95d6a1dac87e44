// Logto core style: packages/core/src/libraries/* (per-tenant libraries built once by the Tenant
// object), packages/core/src/routes/*.ts (one default-exported function per route group receiving
// ...[router, { queries, libraries, id }]: RouterInitArgs<T>, koaGuard for params/body/response),
// and one koa middleware. Several modules of the real package in one file, marked by comments.

import { randomInt } from 'node:crypto';

import { generateStandardId } from '@logto/shared';
import { conditional, trySafe } from '@silverhand/essentials';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { MiddlewareType } from 'koa';
import ky from 'ky';
import { LRUCache } from 'lru-cache';
import nodemailer from 'nodemailer';
import { z } from 'zod';

import RequestError from '#src/errors/RequestError/index.js';
import koaGuard from '#src/middleware/koa-guard.js';
import type Queries from '#src/tenants/Queries.js';
import assertThat from '#src/utils/assert-that.js';

import type { ManagementApiRouter, RouterInitArgs } from './types.js';

// ---- libraries/passcode-session.ts --------------------------------------------------------

type PendingCode = { code: string; email: string; createdAt: number; attempts: number };

export const createPasscodeSessionLibrary = (queries: Queries) => {
  // Built once per tenant by the Tenant constructor; lives as long as the tenant is in the pool.
  const pending = new Map<string, PendingCode>();

  const send = async (verificationId: string, email: string) => {
    const code = String(randomInt(100_000, 1_000_000));
    pending.set(verificationId, { code, email, createdAt: Date.now(), attempts: 0 }); // leak: unbounded-collection
    await queries.logs.insertLog({
      id: generateStandardId(),
      key: 'Passcode.Send',
      payload: { email, verificationId },
    });
    return code;
  };

  const verify = async (verificationId: string, code: string) => {
    const entry = pending.get(verificationId);
    assertThat(entry, new RequestError({ code: 'verification_code.not_found', status: 404 }));

    entry.attempts += 1;
    assertThat(
      entry.attempts <= 5,
      new RequestError({ code: 'verification_code.exceeded_max_attempts', status: 429 })
    );
    assertThat(
      entry.code === code,
      new RequestError({ code: 'verification_code.code_mismatch', status: 400 })
    );

    pending.delete(verificationId);
    return entry.email;
  };

  return { send, verify };
};

// ---- libraries/send-rate-limit.ts ---------------------------------------------------------

export const createSendRateLimiter = (windowMs = 60_000, max = 5) => {
  const hits = new Map<string, number[]>();

  const sweep = setInterval(() => { // ok: timer-leak
    const cutoff = Date.now() - windowMs;
    for (const [key, times] of hits) {
      const recent = times.filter((time) => time > cutoff);
      if (recent.length === 0) {
        hits.delete(key);
      } else {
        hits.set(key, recent);
      }
    }
  }, windowMs);
  sweep.unref();

  return {
    consume(key: string) {
      const now = Date.now();
      const times = (hits.get(key) ?? []).filter((time) => time > now - windowMs);
      times.push(now);
      hits.set(key, times); // ok: unbounded-collection
      return times.length <= max;
    },
    dispose: () => {
      clearInterval(sweep);
    },
  };
};

// ---- libraries/sso-connector.ts (OIDC discovery for enterprise SSO connectors) --------------

type OidcDiscovery = { issuer: string; jwks_uri: string; token_endpoint: string };

const discoveryCache = new LRUCache<string, OidcDiscovery>({ max: 200, ttl: 10 * 60_000 });
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

export const fetchDiscovery = async (issuer: string) => {
  const cached = discoveryCache.get(issuer);
  if (cached) {
    return cached;
  }
  const base = issuer.endsWith('/') ? issuer : `${issuer}/`;
  const document = await ky.get(new URL('.well-known/openid-configuration', base)).json<OidcDiscovery>();
  discoveryCache.set(issuer, document); // ok: unbounded-cache
  return document;
};

export const getRemoteKeySet = async (issuer: string) => {
  const existing = remoteKeySets.get(issuer);
  if (existing) {
    return existing;
  }
  const { jwks_uri: jwksUri } = await fetchDiscovery(issuer);
  const keySet = createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: 30_000 });
  remoteKeySets.set(issuer, keySet); // leak: unbounded-cache
  return keySet;
};

// ---- libraries/hook.ts (interaction hooks of a tenant) --------------------------------------

export type InteractionEvent = { type: 'SignIn' | 'Register' | 'ResetPassword'; userId: string };
export type InteractionHook = (event: InteractionEvent) => Promise<void>;

export const createHookLibrary = () => {
  const state: { afterInteraction: InteractionHook } = {
    afterInteraction: async () => {},
  };

  const setAfterInteraction = (hook: InteractionHook) => {
    state.afterInteraction = hook; // ok: closure-capture
  };

  return { state, setAfterInteraction };
};

// ---- connectors/smtp.ts ---------------------------------------------------------------------

type SmtpConfig = { host: string; port: number; username: string; password: string; fromEmail: string };

function smtpTransportFor(config: SmtpConfig) {
  return nodemailer.createTransport({ // leak: resource-per-request
    host: config.host,
    port: config.port,
    pool: true,
    maxConnections: 3,
    auth: { user: config.username, pass: config.password },
  });
}

// ---- middleware/koa-feature-flags.ts --------------------------------------------------------

declare global {
  // eslint-disable-next-line no-var
  var __logtoFlagOverrides: Record<string, Record<string, boolean>> | undefined;
}

const parseFlags = (header: string) =>
  Object.fromEntries(header.split(',').map((flag) => [flag.trim(), true] as const));

export function koaFeatureFlags<StateT, ContextT, ResponseT>(): MiddlewareType<StateT, ContextT, ResponseT> {
  return async (ctx, next) => {
    const header = ctx.get('x-logto-dev-flags');
    if (header) {
      globalThis.__logtoFlagOverrides ??= {}; // ok: global-growth
      globalThis.__logtoFlagOverrides[ctx.request.ip] = parseFlags(header); // leak: global-growth
    }
    ctx.state.flags = { ...globalThis.__logtoFlagOverrides?.[ctx.request.ip] };
    return next();
  };
}

// ---- middleware/koa-server-timing.ts ------------------------------------------------------

export function koaServerTiming<StateT, ContextT, ResponseT>(): MiddlewareType<StateT, ContextT, ResponseT> {
  return async (ctx, next) => {
    const marks: Array<[string, number]> = [];
    const started = performance.now();
    ctx.state.mark = (name: string) => { // ok: closure-capture
      marks.push([name, performance.now() - started]); // ok: unbounded-collection
    };
    ctx.res.once('finish', () => { // ok: listener-leak
      ctx.state.mark = undefined;
    });
    await next();
    ctx.set('Server-Timing', marks.map(([name, duration]) => `${name};dur=${duration.toFixed(1)}`).join(', '));
  };
}

// ---- routes/connector-test.ts ---------------------------------------------------------------

// One limiter for the process: tenants share it, keyed by user or email.
const limiter = createSendRateLimiter();

const smtpGuard = z.object({
  host: z.string(),
  port: z.number(),
  username: z.string(),
  password: z.string(),
  fromEmail: z.string().email(),
});

export default function connectorTestRoutes<T extends ManagementApiRouter>(
  ...[router, { queries, libraries }]: RouterInitArgs<T>
) {
  let rotationTimer: NodeJS.Timeout | undefined;
  let usageFlushTimer: NodeJS.Timeout | undefined;

  // Registered when the tenant's router is built, not per request.
  libraries.hooks.setAfterInteraction(async (event) => { // ok: closure-capture
    await queries.logs.insertLog({ id: generateStandardId(), key: `Interaction.${event.type}`, payload: event });
  });

  router.post(
    '/connectors/smtp/test',
    koaGuard({ body: smtpGuard.extend({ to: z.string().email() }), status: [204, 400, 429] }),
    async (ctx, next) => {
      const { to, ...config } = ctx.guard.body;
      assertThat(limiter.consume(ctx.auth.id), new RequestError({ code: 'connector.ratelimit', status: 429 }));

      await smtpTransportFor(config).sendMail({
        from: config.fromEmail,
        to,
        subject: 'Logto SMTP connector test',
        text: 'Your SMTP connector is configured correctly.',
      });

      ctx.status = 204;
      return next();
    }
  );

  router.post(
    '/connectors/smtp/verify',
    koaGuard({ body: smtpGuard, status: [204, 400] }),
    async (ctx, next) => {
      const transport = nodemailer.createTransport({ // ok: resource-per-request
        host: ctx.guard.body.host,
        port: ctx.guard.body.port,
        auth: { user: ctx.guard.body.username, pass: ctx.guard.body.password },
      });
      try {
        await transport.verify();
      } finally {
        transport.close();
      }
      ctx.status = 204;
      return next();
    }
  );

  router.post(
    '/sso-connectors/test-id-token',
    koaGuard({ body: z.object({ issuer: z.string().url(), idToken: z.string() }), status: [200, 400] }),
    async (ctx, next) => {
      const { issuer, idToken } = ctx.guard.body;
      const controller = new AbortController();
      const timeout = setTimeout(() => { // ok: timer-leak
        controller.abort();
      }, 10_000);
      try {
        const keySet = await getRemoteKeySet(issuer);
        const { payload } = await jwtVerify(idToken, keySet, { issuer });
        ctx.body = { subject: payload.sub, claims: Object.keys(payload) };
      } finally {
        clearTimeout(timeout);
      }
      return next();
    }
  );

  router.post(
    '/hooks/test-interaction',
    koaGuard({
      body: z.object({ events: z.array(z.string()), endpoint: z.string().url() }),
      status: [204],
    }),
    async (ctx, next) => {
      const { events, endpoint } = ctx.guard.body;
      const previous = libraries.hooks.state.afterInteraction;
      libraries.hooks.state.afterInteraction = async (event) => { // leak: closure-capture
        await previous(event);
        if (events.includes(event.type)) {
          await trySafe(ky.post(endpoint, { json: { event, requestedBy: ctx.auth.id, body: ctx.request.body } }));
        }
      };
      ctx.status = 204;
      return next();
    }
  );

  router.patch(
    '/configs/oidc/:keyType/rotation',
    koaGuard({
      params: z.object({ keyType: z.enum(['private-keys', 'cookie-keys']) }),
      body: z.object({ intervalDays: z.number().int().min(1).max(365) }),
      status: [204],
    }),
    async (ctx, next) => {
      const { keyType } = ctx.guard.params;
      const { intervalDays } = ctx.guard.body;
      rotationTimer = setInterval(async () => { // leak: timer-leak
        await trySafe(libraries.logtoConfigs.rotateOidcConfigKeys(keyType));
      }, intervalDays * 86_400_000);
      ctx.status = 204;
      return next();
    }
  );

  router.patch(
    '/configs/usage-flush',
    koaGuard({ body: z.object({ everySeconds: z.number().int().min(10) }), status: [204] }),
    async (ctx, next) => {
      if (usageFlushTimer) {
        clearInterval(usageFlushTimer);
      }
      usageFlushTimer = setInterval(async () => { // ok: timer-leak
        await trySafe(libraries.quota.flushUsage());
      }, ctx.guard.body.everySeconds * 1000);
      ctx.status = 204;
      return next();
    }
  );

  router.post(
    '/verification-codes',
    koaGuard({ body: z.object({ email: z.string().email() }), status: [201, 429] }),
    async (ctx, next) => {
      const { email } = ctx.guard.body;
      assertThat(limiter.consume(email), new RequestError({ code: 'connector.ratelimit', status: 429 }));
      const verificationId = generateStandardId();
      const code = await libraries.passcodes.send(verificationId, email);
      await libraries.emails.send(email, { type: 'Generic', payload: { code } });

      const seen = new Set<string>();
      for (const entry of await queries.logs.findLogsByEmail(email)) {
        seen.add(entry.payload.ip); // ok: unbounded-collection
      }

      ctx.status = 201;
      ctx.body = { verificationId, recentIps: conditional(seen.size > 0 && [...seen]) };
      return next();
    }
  );

  router.post(
    '/verification-codes/verify',
    koaGuard({ body: z.object({ verificationId: z.string(), code: z.string() }), status: [200, 400, 404, 429] }),
    async (ctx, next) => {
      const email = await libraries.passcodes.verify(ctx.guard.body.verificationId, ctx.guard.body.code);
      ctx.req.once('close', () => { // ok: listener-leak
        limiter.consume(`verified:${email}`);
      });
      ctx.body = { email };
      return next();
    }
  );
}
