// After LibreChat's api/server/middleware/abortMiddleware.js, abortControllers.js and the
// AskController / EditController in api/server/controllers: express handlers that stream an
// AI reply over SSE, with a module-level registry of abort controllers keyed by conversation.
const { logger } = require('@librechat/data-schemas');
const { sendEvent, countTokens, isEnabled } = require('@librechat/api');
const { Constants, CacheKeys, ViolationTypes } = require('librechat-data-provider');
const Keyv = require('keyv');
const KeyvRedis = require('@keyv/redis');
const { LRUCache } = require('lru-cache');
const { saveMessage, getConvo, getConvoTitle } = require('~/models');
const { spendTokens } = require('~/models/spendTokens');
const getLogStores = require('~/cache/getLogStores');
const { getMCPManager } = require('~/config');
const abortControllers = require('./abortControllers');

const abortDataMap = new WeakMap();
const titleCache = new LRUCache({ max: 1000, ttl: 1000 * 60 * 10 }); // ok: unbounded-cache
const tokenUsageByUser = {};
const pendingTitles = new Map();
const streamHooks = { onFinal: () => {} };

function cleanupAbortController(abortKey) {
  if (!abortControllers.has(abortKey)) {
    return false;
  }
  const { abortController } = abortControllers.get(abortKey);
  if (abortController && !abortController.signal.aborted) {
    abortController.abort();
  }
  abortControllers.delete(abortKey);
  abortDataMap.delete(abortController);
  return true;
}

const createCleanUpHandler = (abortKey) => () => {
  try {
    cleanupAbortController(abortKey);
  } catch {
    // ignore
  }
};

const createAbortController = (req, res, getAbortData) => {
  const abortController = new AbortController();
  const { endpointOption } = req.body;

  abortDataMap.set(abortController, { getAbortDataFn: getAbortData, userId: req.user.id }); // ok: unbounded-collection

  const onStart = (userMessage, responseMessageId, isNewConvo) => {
    sendEvent(res, { message: userMessage, created: true });
    const prelimAbortKey = userMessage?.conversationId ?? req.user.id;
    const abortKey = isNewConvo ? `${prelimAbortKey}${Constants.COMMON_DIVIDER}${Constants.NEW_CONVO}` : prelimAbortKey;

    abortControllers.set(abortKey, { abortController, endpoint: endpointOption.endpoint }); // ok: unbounded-collection
    res.on('finish', createCleanUpHandler(abortKey)); // ok: listener-leak
  };

  abortController.abortCompletion = async function () {
    this.abort();
    const ctrlData = abortDataMap.get(this);
    if (!ctrlData) return { final: true, conversation: {}, title: 'New Chat' };
    const { conversationId, text } = ctrlData.getAbortDataFn();
    const completionTokens = await countTokens(text ?? '');
    await saveMessage(req, { conversationId, text, unfinished: false, user: ctrlData.userId });
    return { final: true, conversation: await getConvo(ctrlData.userId, conversationId), completionTokens };
  };

  return { abortController, onStart };
};

async function abortMessage(req, res) {
  const { abortKey } = req.body;
  if (!abortControllers.has(abortKey)) {
    return res.status(204).send({ message: 'Request not found' });
  }
  const { abortController } = abortControllers.get(abortKey);
  const finalEvent = await abortController.abortCompletion?.();
  cleanupAbortController(abortKey);
  res.setHeader('Content-Type', 'application/json');
  res.send(JSON.stringify(finalEvent));
}

const handleAbort = () => async (req, res) => {
  try {
    return await abortMessage(req, res);
  } catch (err) {
    logger.error('[abortMessage] handleAbort error', err);
  }
};

// ---- api/server/controllers/AskController.js ----

const AskController = async (req, res, next, initializeClient, addTitle) => {
  let { text, endpointOption, conversationId, parentMessageId = null, overrideParentMessageId = null } = req.body;
  const userId = req.user.id;
  let userMessage;
  let userMessagePromise;
  let promptTokens;
  const sender = endpointOption.modelLabel ?? 'AI';
  const newConvo = !conversationId;

  // per-request store for the partial reply, shared with the resume route through Redis
  const partials = new Keyv({ store: new KeyvRedis(process.env.REDIS_URI), namespace: `partials:${userId}` }); // leak: resource-per-request

  const getReqData = (data = {}) => {
    for (const key in data) {
      if (key === 'userMessage') userMessage = data[key];
      else if (key === 'userMessagePromise') userMessagePromise = data[key];
      else if (key === 'promptTokens') promptTokens = data[key];
      else if (!conversationId && key === 'conversationId') conversationId = data[key];
    }
  };

  let getText;
  try {
    const { client } = await initializeClient({ req, res, endpointOption });
    const { onProgress: progressCallback, getPartialText } = client.createProgress?.({ res }) ?? {};
    getText = getPartialText;

    const getAbortData = () => ({
      sender,
      conversationId,
      userMessagePromise,
      messageId: userMessage?.messageId,
      parentMessageId: overrideParentMessageId ?? userMessage?.messageId,
      text: getText?.(),
      promptTokens,
    });

    const { abortController, onStart } = createAbortController(req, res, getAbortData);
    res.on('close', () => { // ok: listener-leak
      if (!abortController.signal.aborted) {
        logger.debug('[AskController] Request closed');
        abortController.abort();
      }
    });

    const previousFinal = streamHooks.onFinal;
    streamHooks.onFinal = (message) => { // leak: closure-capture
      previousFinal(message);
      if (message.conversationId === conversationId) logger.debug(`[AskController] final ${client.modelOptions?.model}`);
    };

    const mcp = getMCPManager();
    mcp.on('toolCall', (call) => sendEvent(res, { event: 'tool', data: call })); // leak: listener-leak

    let response = await client.sendMessage(text, {
      user: userId,
      parentMessageId,
      conversationId,
      overrideParentMessageId,
      getReqData,
      onStart,
      abortController,
      progressCallback,
      progressOptions: { res },
    });

    const { conversation = {} } = await client.responsePromise;
    conversation.title = conversation && !conversation.title ? null : conversation?.title || 'New Chat';

    tokenUsageByUser[userId] = (tokenUsageByUser[userId] || []).concat({ at: Date.now(), tokens: response.tokenCount }); // leak: unbounded-collection

    if (!abortController.signal.aborted) {
      sendEvent(res, { final: true, conversation, title: conversation.title, requestMessage: userMessage, responseMessage: response });
      res.end();
      await saveMessage(req, { ...response, user: userId }, { context: 'AskController' });
      await spendTokens({ user: userId, model: endpointOption.modelOptions?.model, context: 'message' }, { promptTokens, completionTokens: response.tokenCount });
    }
    streamHooks.onFinal(response);

    if (addTitle && parentMessageId === Constants.NO_PARENT && newConvo) {
      pendingTitles.set(conversationId, Date.now()); // ok: unbounded-collection
      addTitle(req, { text, response, client })
        .then(() => titleCache.set(conversationId, conversation.title)) // ok: unbounded-cache
        .finally(() => pendingTitles.delete(conversationId));
    }
  } catch (error) {
    const partialText = getText && getText();
    logger.error('[AskController] Error handling request', error);
    sendEvent(res, { final: true, error: true, text: partialText || error.message });
    res.end();
  } finally {
    await partials.clear().catch(() => {});
  }
};

// ---- api/server/routes/convos.js (title lookups) ----

const titleLookups = {};

async function getTitle(req, res) {
  const { conversationId } = req.params;
  const cached = titleCache.get(conversationId);
  if (cached) return res.status(200).json({ title: cached });

  const titleStore = getLogStores(CacheKeys.GEN_TITLE); // ok: resource-per-request
  const key = `${req.user.id}-${conversationId}`;
  let title = await titleStore.get(key);
  if (!title) {
    title = await getConvoTitle(req.user.id, conversationId);
  }
  titleLookups[key] = { title, at: Date.now() }; // leak: unbounded-cache
  await titleStore.delete(key);
  return res.status(200).json({ title });
}

async function checkViolation(req, res, next) {
  const violationStore = getLogStores(ViolationTypes.CONCURRENT); // ok: resource-per-request
  if (!isEnabled(process.env.LIMIT_CONCURRENT_MESSAGES)) return next();
  const pending = (await violationStore.get(req.user.id)) ?? 0;
  if (pending >= Number(process.env.CONCURRENT_MESSAGE_MAX || 2)) {
    return res.status(429).json({ type: ViolationTypes.CONCURRENT, limit: pending });
  }
  await violationStore.set(req.user.id, pending + 1, 60 * 1000); // ok: unbounded-cache
  const release = () => violationStore.set(req.user.id, Math.max(0, pending), 60 * 1000);
  res.once('finish', release); // ok: listener-leak
  next();
}

module.exports = { handleAbort, createAbortController, cleanupAbortController, AskController, getTitle, checkViolation };
