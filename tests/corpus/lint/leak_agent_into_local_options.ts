// The request options get a fresh keep-alive agent on every call when `keepAlive` is asked
// for: each agent keeps its sockets open after its one request.
import { Agent as HttpAgent } from 'http';
import { Agent as HttpsAgent } from 'https';

function buildInit(opts: { url: string; keepAlive?: boolean }) {
  const init: Record<string, unknown> = { method: 'GET' };
  if (opts.keepAlive) {
    init.agent = opts.url.startsWith('http:')
      ? new HttpAgent({ keepAlive: true }) // expect: client-per-request
      : new HttpsAgent({ keepAlive: true }); // expect: client-per-request
  }
  return init;
}

export async function getJson(opts: { url: string; keepAlive?: boolean }) {
  const res = await fetch(opts.url, buildInit(opts) as RequestInit);
  return res.json();
}
