// Look-alike of leak_call_agents.ts: the agents are made once and shared by every request.
import * as http from 'http';
import * as https from 'https';
import { createTunnelAgent } from './tunnel';

const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });
let tunnel: { agent: http.Agent } | undefined;

export class FetchClient {
  async prepareRequest(url: string, proxy?: string): Promise<{ agent?: http.Agent }> {
    const init: { agent?: http.Agent } = {};
    if (proxy) {
      if (!tunnel) tunnel = createTunnelAgent(url, proxy);
      init.agent = tunnel.agent;
    } else {
      init.agent = url.startsWith('https:') ? httpsAgent : httpAgent;
    }
    return init;
  }
}
