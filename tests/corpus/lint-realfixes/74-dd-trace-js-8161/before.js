'use strict';

// dd-trace LLM observability for AWS Bedrock: token counts arrive in the
// response headers (one diagnostics-channel message) and are read later when
// the request completes (another message), matched by AWS request id.
const dc = require('diagnostics_channel');

const ENABLED_OPERATIONS = new Set(['invokeModel', 'invokeModelWithResponseStream']);

const requestIdsToTokens = {};

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
      // Embedding models and every other Bedrock operation return here,
      // before the entry written for their request id is read and deleted.
      if (!ENABLED_OPERATIONS.has(request.operation)) {
        return;
      }
      const { modelProvider, modelName } = parseModelId(request.params.modelId);
      if (modelName.includes('embed')) {
        return;
      }
      this.setLLMObsTags({ ctx, request, response, modelProvider, modelName });
    });

    // Runs for every Bedrock response, whatever the operation.
    this.addSub('apm:aws:response:deserialize:bedrockruntime', ({ headers }) => {
      const requestId = headers['x-amzn-requestid'];
      const input = headers['x-amzn-bedrock-input-token-count'];
      const output = headers['x-amzn-bedrock-output-token-count'];
      requestIdsToTokens[requestId] = { // leak: unbounded-collection
        inputTokensFromHeaders: input && Number.parseInt(input),
        outputTokensFromHeaders: output && Number.parseInt(output),
      };
    });
  }

  setLLMObsTags({ ctx, request, response, modelProvider, modelName }) {
    const span = ctx.currentStore && ctx.currentStore.span;
    this._tagger.registerLLMObsSpan(span, { modelName, modelProvider, kind: 'llm' });
    const usage = extractUsage(response, modelProvider);
    const tokens = extractTokens({ requestId: response.$metadata.requestId, usage });
    this._tagger.tagMetrics(span, tokens);
  }
}

function extractTokens({ requestId, usage }) {
  const { inputTokensFromHeaders, outputTokensFromHeaders } = requestIdsToTokens[requestId] || {};
  delete requestIdsToTokens[requestId];
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
