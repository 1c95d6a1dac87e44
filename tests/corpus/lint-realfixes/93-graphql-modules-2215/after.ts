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
// Which async ids were created under which, so an operation can drop all of
// its entries when it ends.
const executionContextDependencyStore = new Map<number, Set<number>>();

const executionContextHook = createHook({
  init(asyncId, _type, triggerAsyncId) {
    // Child async resources (every promise created during the operation)
    // inherit the picker.
    const picker = executionContextStore.get(triggerAsyncId);
    if (picker) {
      let children = executionContextDependencyStore.get(triggerAsyncId);
      if (!children) {
        children = new Set();
        executionContextDependencyStore.set(triggerAsyncId, children);
      }
      children.add(asyncId);
      executionContextStore.set(asyncId, picker);
    }
  },
  destroy(asyncId) {
    executionContextStore.delete(asyncId);
  },
});

function destroyContextAndItsChildren(id: number): void {
  executionContextStore.delete(id);
  const children = executionContextDependencyStore.get(id);
  if (children) {
    for (const child of children) {
      destroyContextAndItsChildren(child);
    }
    executionContextDependencyStore.delete(id);
  }
}

export const executionContext = {
  create(picker: ExecutionContextPicker): () => void {
    const id = executionAsyncId();
    executionContextStore.set(id, picker);
    return function destroyContext() {
      destroyContextAndItsChildren(id);
    };
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
    const destroyExecutionContext = executionContext.create(executionContextPicker);

    return {
      context: { ...context, getModuleContext },
      // Called when the operation ends.
      destroy() {
        destroyExecutionContext();
        contextCache = {};
      },
    };
  };
}
