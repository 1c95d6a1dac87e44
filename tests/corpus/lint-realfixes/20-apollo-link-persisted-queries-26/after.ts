import { print } from 'graphql';
import { createHash } from 'crypto';

export function createPersistedQueryLink() {
  const hashesByQuery = new WeakMap<object, string>();

  function getQueryHash(query: object): string {
    let hash = hashesByQuery.get(query);
    if (hash === undefined) {
      hash = createHash('sha256').update(print(query as never)).digest('hex');
      hashesByQuery.set(query, hash);
    }
    return hash;
  }

  return (operation: { query: object; extensions: Record<string, unknown> }, forward: (op: unknown) => unknown) => {
    operation.extensions.persistedQuery = { version: 1, sha256Hash: getQueryHash(operation.query) };
    return forward(operation);
  };
}
