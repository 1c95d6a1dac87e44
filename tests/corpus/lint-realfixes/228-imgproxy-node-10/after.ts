// Three files of @imgproxy/imgproxy-node after the fix in one (withCache.ts is gone):
// src/utils/getSignedUrl.ts, src/utils/finalizePath.ts and src/methods/generateImageUrl.ts.
// A Next.js or Express app calls generateImageUrl() while rendering every page, once per
// image, with the image's URL and the resize options of that place on the page.
import crypto from "crypto";
import { generateUrl } from "@imgproxy/imgproxy-js-core";

interface ISignPair { key: string; salt: string }
interface ICryptPair { key: string; iv?: string }
// src/utils/getSignedUrl.ts, src/utils/finalizePath.ts and src/methods/generateImageUrl.ts.
// A Next.js or Express app calls generateImageUrl() while rendering every page, once per
// image, with the image's URL and the resize options of that place on the page.
import crypto from "crypto";
import { generateUrl } from "@imgproxy/imgproxy-js-core";

interface ISignPair { key: string; salt: string }
interface ICryptPair { key: string; iv?: string }
// src/utils/withCache.ts
const getKey = (url: string, cred: Cred): string => {
  if ("iv" in cred) {
    return `${url}${cred.key}${cred.iv}`;
  }

  return `${url}${cred.key}${cred.salt}`;
};

function withCache<T extends Cred>(fn: (url: string, cred: T) => string) {
  const cache = new Map();

  return (url: string, cred: T): string => {
    const key = getKey(url, cred);

    if (cache.has(key)) {
      return cache.get(key);
    }

    const result = fn(url, cred);

    cache.set(key, result); // leak: unbounded-cache

    return result;
  };
}

// src/utils/getSignedUrl.ts
const hexDecode = (hex: string): Buffer => Buffer.from(hex, "hex");

const sign = (target: string, signPair: ISignPair): string => {
  const hmac = crypto.createHmac("sha256", hexDecode(signPair.key));
  hmac.update(hexDecode(signPair.salt));
  hmac.update(target);

  return hmac.digest("base64url");
};

const getSignedUrl = (path: string, pair: ISignPair): string => {
  const signature = sign(path, pair);
  return `/${signature}${path}`;
};

// src/utils/finalizePath.ts
const getSignPair = ({ salt, key }: { salt?: string; key?: string }): ISignPair | null => {
  const s = salt || process.env.IMGPROXY_SALT;
  const k = key || process.env.IMGPROXY_KEY;
  return s && k ? { salt: s, key: k } : null;
};

const finalizePath = ({ options, salt, key }: { options: string; salt?: string; key?: string }): string => {
  const signPair = getSignPair({ salt, key });
  return signPair
    ? `${getSignedUrl(options, signPair)}`
    : `/insecure${options}`;
};

// src/methods/generateImageUrl.ts
const generateImageUrl = ({
  endpoint: paramsEndpoint,
  url,
  options,
  salt,
  key,
}: {
  endpoint: string;
  url: string;
  options?: Record<string, unknown>;
  salt?: string;
  key?: string;
}): string => {
  const changedUrl = { value: Buffer.from(url).toString("base64url"), type: "base64" as const };

  const optionsString = generateUrl(changedUrl, options);

  const endpoint = paramsEndpoint.endsWith("/")
    ? paramsEndpoint.slice(0, -1)
    : paramsEndpoint;

  const path = finalizePath({ options: optionsString, salt, key });

  return `${endpoint}${path}`;
};

export { generateImageUrl };
