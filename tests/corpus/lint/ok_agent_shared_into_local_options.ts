// The same options, but the keep-alive agent is made once and shared by every request.
import { Agent as HttpsAgent } from 'https';

let sharedAgent: HttpsAgent | undefined;

function buildInit(opts: { url: string; keepAlive?: boolean }) {
  const init: Record<string, unknown> = { method: 'GET' };
  if (opts.keepAlive) {
    if (!sharedAgent) sharedAgent = new HttpsAgent({ keepAlive: true });
    init.agent = sharedAgent;
  }
  return init;
}

export async function getJson(opts: { url: string; keepAlive?: boolean }) {
  const res = await fetch(opts.url, buildInit(opts) as RequestInit);
  return res.json();
}
