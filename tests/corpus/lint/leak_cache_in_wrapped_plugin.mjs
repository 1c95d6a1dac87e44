// A plugin wrapped at load (`plugin(async function ...)`): its memo lives as long as the
// application, and the per-request hook fills it under each caller's key.
import plugin from 'fastify-plugin';
import { loadQuota } from './quota.js';

export default plugin(async function quotas(app) {
  const quotaByCaller = {};

  app.addHook('onRequest', async (request) => {
    const callerKey = `${request.headers['x-api-key']}:${request.ip}`;
    if (!quotaByCaller[callerKey]) {
      quotaByCaller[callerKey] = await loadQuota(callerKey); // expect: cache-without-eviction
    }
    request.quota = quotaByCaller[callerKey];
  });
});
