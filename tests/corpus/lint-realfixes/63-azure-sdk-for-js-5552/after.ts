import * as http from 'http';
import * as https from 'https';
import * as tough from 'tough-cookie';
import { FetchHttpClient } from './fetchHttpClient';
import { WebResource } from './webResource';
import { createProxyAgent, isUrlHttps } from './proxyAgent';

interface AgentCache {
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
}

function getCachedAgent(isHttps: boolean, agentCache: AgentCache): http.Agent | https.Agent | undefined {
  return isHttps ? agentCache.httpsAgent : agentCache.httpAgent;
}

// one client per service client; prepareRequest() runs before every HTTP request
export class NodeFetchHttpClient extends FetchHttpClient {
  private proxyAgents: AgentCache = {};
  private keepAliveAgents: AgentCache = {};
  private readonly cookieJar = new tough.CookieJar(undefined, { looseMode: true });

  private getOrCreateAgent(httpRequest: WebResource): http.Agent | https.Agent {
    const isHttps = isUrlHttps(httpRequest.url);
    if (httpRequest.proxySettings) {
      let agent = getCachedAgent(isHttps, this.proxyAgents);
      if (agent) return agent;
      const tunnel = createProxyAgent(httpRequest.url, httpRequest.proxySettings, httpRequest.headers);
      agent = tunnel.agent;
      if (tunnel.isHttps) {
        this.proxyAgents.httpsAgent = tunnel.agent as https.Agent;
      } else {
        this.proxyAgents.httpAgent = tunnel.agent;
      }
      return agent;
    } else if (httpRequest.keepAlive) {
      let agent = getCachedAgent(isHttps, this.keepAliveAgents);
      if (agent) return agent;
      const agentOptions: http.AgentOptions | https.AgentOptions = { keepAlive: httpRequest.keepAlive };
      if (isHttps) {
        agent = this.keepAliveAgents.httpsAgent = new https.Agent(agentOptions);
      } else {
        agent = this.keepAliveAgents.httpAgent = new http.Agent(agentOptions);
      }
      return agent;
    }
    return isHttps ? https.globalAgent : http.globalAgent;
  }

  async prepareRequest(httpRequest: WebResource): Promise<Partial<RequestInit>> {
    const requestInit: Partial<RequestInit & { agent?: any }> = {};

    if (this.cookieJar && !httpRequest.headers.get('Cookie')) {
      const cookieString = await new Promise<string>((resolve, reject) => {
        this.cookieJar.getCookieString(httpRequest.url, (err, cookie) => (err ? reject(err) : resolve(cookie)));
      });
      httpRequest.headers.set('Cookie', cookieString);
    }

    requestInit.agent = this.getOrCreateAgent(httpRequest);
    return requestInit;
  }
}
