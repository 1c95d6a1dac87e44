// src/cache/inmemory/reactiveVars.ts and the watch() of InMemoryCache
// (src/cache/inmemory/inMemoryCache.ts), in one file.
import { Slot } from "@wry/context";
import { dep } from "optimism";
import { ApolloCache } from '../../core';

export interface ReactiveVar<T> {
  (newValue?: T): T;
  onNextChange(listener: ReactiveListener<T>): () => void;
}

export type ReactiveListener<T> = (value: T) => any;

const varDep = dep<ReactiveVar<any>>();

// set while a custom read function runs, so a variable knows which cache reads it
export const cacheSlot = new Slot<ApolloCache<any>>();

function consumeAndIterate<T>(set: Set<T>, callback: (item: T) => any) {
  const items: T[] = [];
  set.forEach(item => items.push(item));
  set.clear();
  items.forEach(callback);
}

// Applications create their reactive variables once, at module level; with
// server-side rendering every request makes a new InMemoryCache that reads them.
export function makeVar<T>(value: T): ReactiveVar<T> {
  const caches = new Set<ApolloCache<any>>();
  const listeners = new Set<ReactiveListener<T>>();

  const rv: ReactiveVar<T> = function (newValue) {
    if (arguments.length > 0) {
      if (value !== newValue) {
        value = newValue!;
        varDep.dirty(rv);
        // tell every cache that ever read this variable
        caches.forEach(broadcast);
        consumeAndIterate(listeners, listener => listener(value));
      }
    } else {
      const cache = cacheSlot.getValue();
      if (cache) caches.add(cache); // leak: unbounded-collection
      varDep(rv);
    }

    return value;
  };

  rv.onNextChange = listener => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };

  return rv;
}

type Broadcastable = ApolloCache<any> & { broadcastWatches?: () => void };

function broadcast(cache: Broadcastable) {
  if (cache.broadcastWatches) {
    cache.broadcastWatches();
  }
}

interface Watch {
  query: unknown;
  callback: (diff: unknown) => void;
}

export class InMemoryCache {
  private watches = new Set<Watch>();

  public watch(watch: Watch): () => void {
    this.watches.add(watch);
    return () => {
      this.watches.delete(watch);
    };
  }

  public broadcastWatches() {
    this.watches.forEach(watch => watch.callback({}));
  }
}
