import * as http from 'http';
import * as https from 'https';
import * as tough from 'tough-cookie';
import { FetchHttpClient } from './fetchHttpClient';
import { WebResource } from './webResource';
import { createProxyAgent, isUrlHttps } from './proxyAgent';

// one client per service client; prepareRequest() runs before every HTTP request
export class NodeFetchHttpClient extends FetchHttpClient {
  private readonly cookieJar = new tough.CookieJar(undefined, { looseMode: true });

  async prepareRequest(httpRequest: WebResource): Promise<Partial<RequestInit>> {
    const requestInit: Partial<RequestInit & { agent?: any }> = {};

    if (this.cookieJar && !httpRequest.headers.get('Cookie')) {
      const cookieString = await new Promise<string>((resolve, reject) => {
        this.cookieJar.getCookieString(httpRequest.url, (err, cookie) => (err ? reject(err) : resolve(cookie)));
      });
      httpRequest.headers.set('Cookie', cookieString);
    }

    if (httpRequest.proxySettings) {
      const tunnel = createProxyAgent(httpRequest.url, httpRequest.proxySettings, httpRequest.headers); // leak: resource-per-request
      requestInit.agent = tunnel.agent;
    }

    if (httpRequest.keepAlive === true) {
      if (requestInit.agent) {
        requestInit.agent.keepAlive = true;
      } else {
        const options: http.AgentOptions | https.AgentOptions = { keepAlive: true };
        const agent = isUrlHttps(httpRequest.url) ? new https.Agent(options) : new http.Agent(options); // leak: resource-per-request
        requestInit.agent = agent;
      }
    }

    return requestInit;
  }
}
