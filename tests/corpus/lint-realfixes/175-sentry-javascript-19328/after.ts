// packages/core/src/tracing/vercel-ai/{constants,index,utils}.ts and the result check of
// packages/node/src/integrations/tracing/vercelai/instrumentation.ts, in one file.
import type { Span, SpanAttributes } from '../../types-hoist/span';
import { captureException, withScope } from '../../exports';

export interface ToolCallSpanContext {
  traceId: string;
  spanId: string;
}

// Global map from tool call ID to its span context only (not the span and its attributes),
// so a tool error can be linked to the right span
export const toolCallSpanContextMap = new Map<string, ToolCallSpanContext>();

const AI_TOOL_CALL_ID_ATTRIBUTE = 'ai.toolCall.id';
const GEN_AI_TOOL_CALL_ID_ATTRIBUTE = 'gen_ai.tool.call.id';

function renameAttributeKey(attributes: SpanAttributes, oldKey: string, newKey: string): void {
  if (attributes[oldKey] != null) {
    attributes[newKey] = attributes[oldKey];
    delete attributes[oldKey];
  }
}

// span processor hook: runs for every 'ai.toolCall' span the AI SDK ends
export function processToolCallSpan(span: Span, attributes: SpanAttributes): void {
  renameAttributeKey(attributes, AI_TOOL_CALL_ID_ATTRIBUTE, GEN_AI_TOOL_CALL_ID_ATTRIBUTE);

  const toolCallId = attributes[GEN_AI_TOOL_CALL_ID_ATTRIBUTE];

  if (typeof toolCallId === 'string') {
    toolCallSpanContextMap.set(toolCallId, span.spanContext());
  }
}

export function _INTERNAL_getSpanContextForToolCallId(toolCallId: string): ToolCallSpanContext | undefined {
  return toolCallSpanContextMap.get(toolCallId);
}

export function _INTERNAL_cleanupToolCallSpanContext(toolCallId: string): void {
  toolCallSpanContextMap.delete(toolCallId);
}

interface ToolError {
  type: 'tool-error' | 'tool-result' | 'tool-call';
  toolCallId: string;
  toolName: string;
  error: Error;
}

function isToolError(obj: unknown): obj is ToolError {
  if (typeof obj !== 'object' || obj === null) {
    return false;
  }
  const candidate = obj as Record<string, unknown>;
  return candidate.type === 'tool-error' && candidate.error instanceof Error && typeof candidate.toolCallId === 'string';
}

function captureToolErrors(content: Array<object>): void {
  for (const item of content) {
    if (!isToolError(item)) {
      continue;
    }
    const spanContext = _INTERNAL_getSpanContextForToolCallId(item.toolCallId);

    withScope(scope => {
      if (spanContext) {
        scope.setContext('trace', { trace_id: spanContext.traceId, span_id: spanContext.spanId });
      }
      scope.setTag('vercel.ai.tool.name', item.toolName);
      scope.setLevel('error');
      captureException(item.error, { mechanism: { type: 'auto.vercelai.otel', handled: false } });
    });
  }
}

// every finished tool call (result or error) gives its entry back
export function cleanupToolCallSpanContexts(content: Array<object>): void {
  for (const item of content) {
    if (typeof item === 'object' && item !== null && 'toolCallId' in item) {
      const toolCallId = (item as { toolCallId: unknown }).toolCallId;
      if (typeof toolCallId === 'string') {
        _INTERNAL_cleanupToolCallSpanContext(toolCallId);
      }
    }
  }
}

// runs on the result of every generateText/streamText call
export function processToolCallResults(result: unknown): void {
  if (typeof result !== 'object' || result === null || !('content' in result)) {
    return;
  }

  const resultObj = result as { content: Array<object> };
  if (!Array.isArray(resultObj.content)) {
    return;
  }

  captureToolErrors(resultObj.content);
  cleanupToolCallSpanContexts(resultObj.content);
}
