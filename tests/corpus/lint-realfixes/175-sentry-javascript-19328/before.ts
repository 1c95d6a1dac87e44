// packages/core/src/tracing/vercel-ai/{constants,index,utils}.ts and the result check of
// packages/node/src/integrations/tracing/vercelai/instrumentation.ts, in one file.
import type { Span, SpanAttributes } from '../../types-hoist/span';
import { captureException, withScope } from '../../exports';

// Global Map from tool call ID to its span, so a tool error can be linked to the right span
export const toolCallSpanMap = new Map<string, Span>();

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
    toolCallSpanMap.set(toolCallId, span); // leak: global-growth
  }
}

export function _INTERNAL_getSpanForToolCallId(toolCallId: string): Span | undefined {
  return toolCallSpanMap.get(toolCallId);
}

export function _INTERNAL_cleanupToolCallSpan(toolCallId: string): void {
  toolCallSpanMap.delete(toolCallId);
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

// runs on the result of every generateText/streamText call
export function checkResultForToolErrors(result: unknown): void {
  if (typeof result !== 'object' || result === null || !('content' in result)) {
    return;
  }

  const resultObj = result as { content: Array<object> };
  if (!Array.isArray(resultObj.content)) {
    return;
  }

  for (const item of resultObj.content) {
    if (isToolError(item)) {
      const associatedSpan = _INTERNAL_getSpanForToolCallId(item.toolCallId);

      withScope(scope => {
        if (associatedSpan) {
          const spanContext = associatedSpan.spanContext();
          scope.setContext('trace', { trace_id: spanContext.traceId, span_id: spanContext.spanId });
        }
        scope.setTag('vercel.ai.tool.name', item.toolName);
        scope.setLevel('error');
        captureException(item.error, { mechanism: { type: 'auto.vercelai.otel', handled: false } });
      });

      // one tool-error part per tool call: forget the span now
      if (associatedSpan) {
        _INTERNAL_cleanupToolCallSpan(item.toolCallId);
      }
    }
  }
}
