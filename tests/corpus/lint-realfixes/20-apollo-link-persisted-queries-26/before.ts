import { print } from 'graphql';
import { createHash } from 'crypto';

export function createPersistedQueryLink() {
  const hashesByQuery = new Map<string, string>();

  function getQueryHash(query: unknown): string {
    const key = print(query as never);
    if (!hashesByQuery.has(key)) {
      hashesByQuery.set(key, createHash('sha256').update(key).digest('hex')); // leak: unbounded-cache
    }
    return hashesByQuery.get(key)!;
  }

  return (operation: { query: unknown; extensions: Record<string, unknown> }, forward: (op: unknown) => unknown) => {
    operation.extensions.persistedQuery = { version: 1, sha256Hash: getQueryHash(operation.query) };
    return forward(operation);
  };
}
