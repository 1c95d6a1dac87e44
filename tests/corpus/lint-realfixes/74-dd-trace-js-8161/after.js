'use strict';

// dd-trace LLM observability for AWS Bedrock: token counts arrive in the
// response headers (one diagnostics-channel message) and are read later when
// the request completes (another message), matched by AWS request id.
const dc = require('diagnostics_channel');

const ENABLED_OPERATIONS = new Set(['invokeModel', 'invokeModelWithResponseStream']);

const pendingTokenHeaders = new Map();

class BaseLLMObsPlugin {
  constructor(tagger) {
    this._tagger = tagger;
  }

  addSub(channelName, handler) {
    dc.channel(channelName).subscribe(handler);
  }
}

class BedrockRuntimeLLMObsPlugin extends BaseLLMObsPlugin {
  constructor(tagger) {
    super(tagger);

    this.addSub('apm:aws:request:complete:bedrockruntime', (ctx) => {
      const { response } = ctx;
      const request = response.request;
      // Take this request's entry out first, whatever happens next.
      const tokensFromHeaders = consumeTokenHeaders(response.$metadata && response.$metadata.requestId);
      if (!ENABLED_OPERATIONS.has(request.operation)) return;
      const { modelProvider, modelName } = parseModelId(request.params.modelId);
      if (modelName.includes('embed')) return;
      this.setLLMObsTags({ ctx, request, response, modelProvider, modelName, tokensFromHeaders });
    });

    this.addSub('apm:aws:response:deserialize:bedrockruntime', ({ headers }) => {
      const requestId = headers['x-amzn-requestid'];
      if (!requestId) return;
      const input = headers['x-amzn-bedrock-input-token-count'];
      const output = headers['x-amzn-bedrock-output-token-count'];
      pendingTokenHeaders.set(requestId, {
        inputTokensFromHeaders: input && Number.parseInt(input),
        outputTokensFromHeaders: output && Number.parseInt(output),
      });
    });
  }

  setLLMObsTags({ ctx, request, response, modelProvider, modelName, tokensFromHeaders }) {
    const span = ctx.currentStore && ctx.currentStore.span;
    this._tagger.registerLLMObsSpan(span, { modelName, modelProvider, kind: 'llm' });
    const usage = extractUsage(response, modelProvider);
    const tokens = extractTokens({ tokensFromHeaders, usage });
    this._tagger.tagMetrics(span, tokens);
  }
}

function consumeTokenHeaders(requestId) {
  if (!requestId) return undefined;
  const tokens = pendingTokenHeaders.get(requestId);
  pendingTokenHeaders.delete(requestId);
  return tokens;
}

function extractTokens({ tokensFromHeaders, usage }) {
  const { inputTokensFromHeaders, outputTokensFromHeaders } = tokensFromHeaders || {};
  const inputTokens = usage.inputTokens || inputTokensFromHeaders || 0;
  const outputTokens = usage.outputTokens || outputTokensFromHeaders || 0;
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

function parseModelId(modelId) {
  const [modelProvider, modelName = ''] = String(modelId).split('.');
  return { modelProvider, modelName };
}

function extractUsage(response, _provider) {
  return (response.body && response.body.usage) || {};
}

module.exports = BedrockRuntimeLLMObsPlugin;
