export function get(obj: any, path: string | number, fallback?: any, index?: number) {
  const key = typeof path === 'string' ? path.split('.') : [path];
  for (index = 0; index < key.length; index += 1) {
    if (!obj) break;
    obj = obj[key[index]];
  }
  return obj === undefined ? fallback : obj;
}

type Handler = (obj: Readonly<object>, path: string | number, fallback?: any, index?: number) => any;

const memoize = (fn: Handler) => {
  const cache = new WeakMap();

  const memoizedFn: Handler = (obj: object, path: string | number, fallback?: any, index?: number) => {
    if (!cache.has(obj)) {
      cache.set(obj, new Map());
    }
    const map = cache.get(obj);
    const key = typeof path === 'string' ? path.split('.') : [path];

    if (map.has(key)) {
      return map.get(key);
    }
    const value = fn(obj, path, fallback, index);
    map.set(key, value); // leak: unbounded-cache
    return value;
  };

  return memoizedFn;
};

// the theme object lives for the whole app; every style lookup goes through here
export const memoizedGet = memoize(get);
