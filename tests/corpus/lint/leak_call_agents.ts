// An HTTP agent made for each request and put into that request's options: a keep-alive
// agent keeps its sockets open after the request, one agent per call (issue 11, mode 2).
import * as http from 'http';
import * as https from 'https';
import { createTunnelAgent } from './tunnel';

export class FetchClient {
  async prepareRequest(url: string, proxy?: string): Promise<{ agent?: http.Agent }> {
    const init: { agent?: http.Agent } = {};
    if (proxy) {
      const tunnel = createTunnelAgent(url, proxy); // expect: client-per-request
      init.agent = tunnel.agent;
    } else {
      const options = { keepAlive: true };
      const agent = url.startsWith('https:') ? new https.Agent(options) : new http.Agent(options); // expect: client-per-request
      init.agent = agent;
    }
    return init;
  }
}
