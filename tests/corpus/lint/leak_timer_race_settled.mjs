// Each lookup races a fallback timer; when the lookup wins, the timer stays pending for its
// whole delay with the fallback value and the promise's resolver.
export function orFallback(lookup, fallback, ms) {
  return Promise.race([
    lookup,
    new Promise((settle) => setTimeout(() => settle(fallback), ms)), // expect: timeout-not-cleared
  ]);
}

export async function profileFor(req, store) {
  return orFallback(store.profile(req.params.user), { name: 'guest' }, 2000);
}
