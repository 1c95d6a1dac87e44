// Look-alike: the plugin's memo is emptied when it passes a size.
import plugin from 'fastify-plugin';
import { loadQuota } from './quota.js';

export default plugin(async function quotas(app) {
  let quotaByCaller = {};

  app.addHook('onRequest', async (request) => {
    const callerKey = `${request.headers['x-api-key']}:${request.ip}`;
    if (!quotaByCaller[callerKey]) {
      if (Object.keys(quotaByCaller).length > 1000) quotaByCaller = {};
      quotaByCaller[callerKey] = await loadQuota(callerKey);
    }
    request.quota = quotaByCaller[callerKey];
  });
});
