// packages/opentelemetry-context-async-hooks/src/AbstractAsyncHooksContextManager.ts,
// cut to the event-emitter binding, plus a caller that binds a long-lived emitter.
import { EventEmitter } from 'events';

type Func<T> = (...args: unknown[]) => T;
type Context = Record<string, unknown>;
type PatchMap = Record<string, WeakMap<Func<void>, Func<void>>>;

const ADD_LISTENER_METHODS = ['addListener', 'on', 'once', 'prependListener', 'prependOnceListener'] as const;

export abstract class AbstractAsyncHooksContextManager {
  abstract active(): Context;
  abstract with<R>(context: Context, fn: () => R): R;

  bind<T>(context: Context, target: T): T {
    if (target instanceof EventEmitter) {
      return this._bindEventEmitter(context, target);
    }
    if (typeof target === 'function') {
      return this._bindFunction(context, target as unknown as Function) as unknown as T;
    }
    return target;
  }

  private _bindFunction(context: Context, target: Function): Function {
    const manager = this;
    const contextWrapper = function (this: never, ...args: unknown[]) {
      return manager.with(context, () => target.apply(this, args));
    };
    Object.defineProperty(contextWrapper, 'length', { value: target.length });
    return contextWrapper;
  }

  private _bindEventEmitter<T extends EventEmitter>(context: Context, ee: T): T {
    if (this._getPatchMap(ee) !== undefined) return ee;
    this._createPatchMap(ee);
    const anyEe = ee as any;
    ADD_LISTENER_METHODS.forEach(methodName => {
      if (anyEe[methodName] === undefined) return;
      anyEe[methodName] = this._patchAddListener(ee, anyEe[methodName], context);
    });
    if (typeof ee.removeListener === 'function') {
      anyEe.removeListener = this._patchRemoveListener(ee, ee.removeListener);
    }
    if (typeof ee.off === 'function') {
      anyEe.off = this._patchRemoveListener(ee, ee.off);
    }
    return ee;
  }

  private _patchRemoveListener(ee: EventEmitter, original: Function) {
    const contextManager = this;
    return function (this: never, event: string, listener: Func<void>) {
      const events = contextManager._getPatchMap(ee)?.[event];
      if (events === undefined) {
        return original.call(this, event, listener);
      }
      const patchedListener = events.get(listener);
      return original.call(this, event, patchedListener || listener);
    };
  }

  private _patchAddListener(ee: EventEmitter, original: Function, context: Context) {
    const contextManager = this;
    // ee.once() wraps the listener in Node's onceWrapper and calls ee.on(), which is patched
    // too: the onceWrapper gets wrapped a second time, and removeListener(fn) no longer
    // finds it, so a once() listener removed before it fires stays on the emitter.
    return function (this: never, event: string, listener: Func<void>) {
      let map = contextManager._getPatchMap(ee);
      if (map === undefined) {
        map = contextManager._createPatchMap(ee);
      }
      let listeners = map[event];
      if (listeners === undefined) {
        listeners = new WeakMap();
        map[event] = listeners;
      }
      const patchedListener = contextManager.bind(context, listener);
      listeners.set(listener, patchedListener);
      return original.call(this, event, patchedListener); // leak: listener-leak
    };
  }

  private _createPatchMap(ee: EventEmitter): PatchMap {
    const map = Object.create(null);
    (ee as any)[this._kOtListeners] = map;
    return map;
  }

  private _getPatchMap(ee: EventEmitter): PatchMap | undefined {
    return (ee as never)[this._kOtListeners];
  }

  private readonly _kOtListeners = Symbol('OtListeners');
}

// A service binds its shared connection once and waits for a reply per request.
export function waitForReply(connection: EventEmitter, id: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onReply = (reply: unknown) => {
      clearTimeout(timer);
      resolve(reply);
    };
    const timer = setTimeout(() => {
      connection.removeListener(`reply:${id}`, onReply);
      reject(new Error('timed out'));
    }, timeoutMs);
    connection.once(`reply:${id}`, onReply);
  });
}
