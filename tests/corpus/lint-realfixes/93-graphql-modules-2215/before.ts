// GraphQL Modules: dependency injection per GraphQL operation. To let
// services find "their" operation's context without passing it around, an
// async_hooks store maps async ids to a picker for the current operation.
import { createHook, executionAsyncId } from 'async_hooks';

type ModuleContext = Record<string, unknown> & { moduleId: string };

export interface ExecutionContextPicker {
  getModuleContext(moduleId: string): ModuleContext;
  getApplicationContext(): Record<string, unknown>;
}

// execution-context.ts
const executionContextStore = new Map<number, ExecutionContextPicker>();

const executionContextHook = createHook({
  init(asyncId, _type, triggerAsyncId) {
    // Child async resources (every promise created during the operation)
    // inherit the picker.
    const picker = executionContextStore.get(triggerAsyncId);
    if (picker) {
      executionContextStore.set(asyncId, picker); // leak: closure-capture
    }
  },
  // Never called for promises that stay reachable, and the store itself
  // keeps what they resolve to reachable.
  destroy(asyncId) {
    executionContextStore.delete(asyncId);
  },
});

export const executionContext = {
  create(picker: ExecutionContextPicker): void {
    executionContextStore.set(executionAsyncId(), picker); // leak: closure-capture
  },
  getModuleContext(moduleId: string): ModuleContext {
    return executionContextStore.get(executionAsyncId())!.getModuleContext(moduleId);
  },
  getApplicationContext(): Record<string, unknown> {
    return executionContextStore.get(executionAsyncId())!.getApplicationContext();
  },
};

export function enableExecutionContext(): void {
  executionContextHook.enable();
}

// context.ts: runs once per GraphQL operation with that operation's context
// (request, user, loaders, per-request caches).
export function createContextBuilder(operationProviders: Map<string, () => unknown>) {
  return (context: Record<string, unknown>) => {
    let contextCache: Record<string, ModuleContext> = {};
    const appContext = { ...context };

    function getModuleContext(moduleId: string, ctx: Record<string, unknown>): ModuleContext {
      if (!contextCache[moduleId]) {
        const make = operationProviders.get(moduleId);
        contextCache[moduleId] = { ...ctx, moduleId, injected: make ? make() : undefined };
      }
      return contextCache[moduleId];
    }

    // Closes over this operation's context and its module contexts.
    const executionContextPicker: ExecutionContextPicker = {
      getApplicationContext() {
        return appContext;
      },
      getModuleContext(moduleId) {
        return getModuleContext(moduleId, context);
      },
    };
    executionContext.create(executionContextPicker);

    return {
      context: { ...context, getModuleContext },
      // Called when the operation ends; the store keeps its entries.
      destroy() {
        contextCache = {};
      },
    };
  };
}
