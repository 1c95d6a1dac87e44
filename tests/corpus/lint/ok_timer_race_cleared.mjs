// The same race, with the timer cleared however the race ends.
export function orFallback(lookup, fallback, ms) {
  let timer;
  const late = new Promise((settle) => {
    timer = setTimeout(() => settle(fallback), ms);
  });
  return Promise.race([lookup, late]).finally(() => clearTimeout(timer));
}

export async function profileFor(req, store) {
  return orFallback(store.profile(req.params.user), { name: 'guest' }, 2000);
}
