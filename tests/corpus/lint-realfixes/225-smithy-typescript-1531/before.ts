// Two files of @smithy/node-http-handler 4.0.1 (the HTTP layer of the AWS SDK for
// JavaScript v3) in one: src/set-socket-timeout.ts and the part of
// src/node-http-handler.ts that sends a request. The handler keeps a keep-alive agent,
// so one socket carries request after request.
import { Agent as hAgent, ClientRequest, request as hRequest } from "http";

export const DEFAULT_REQUEST_TIMEOUT = 0;
const DEFER_EVENT_LISTENER_TIME = 3000;

export const setSocketTimeout = (
  request: ClientRequest,
  reject: (err: Error) => void,
  timeoutInMs = DEFAULT_REQUEST_TIMEOUT
): NodeJS.Timeout | number => {
  const registerTimeout = (offset: number) => {
    const timeout = timeoutInMs - offset;
    const onTimeout = () => {
      request.destroy();
      reject(Object.assign(new Error(`Connection timed out after ${timeoutInMs} ms`), { name: "TimeoutError" }));
    };

    if (request.socket) {
      request.socket.setTimeout(timeout, onTimeout); // leak: listener-leak
    } else {
      request.setTimeout(timeout, onTimeout);
    }
  };

  if (0 < timeoutInMs && timeoutInMs < 6000) {
    registerTimeout(0);
    return 0;
  }

  return setTimeout(
    registerTimeout.bind(null, timeoutInMs === 0 ? 0 : DEFER_EVENT_LISTENER_TIME),
    DEFER_EVENT_LISTENER_TIME
  );
};

export class NodeHttpHandler {
  private httpAgent = new hAgent({ keepAlive: true, maxSockets: 50 });

  constructor(private config: { requestTimeout?: number } = {}) {}

  handle(request: { hostname: string; port?: number; method: string; path: string; body?: string }): Promise<{
    statusCode: number;
    body: NodeJS.ReadableStream;
  }> {
    return new Promise((resolve, reject) => {
      const timeouts: Array<NodeJS.Timeout | number> = [];
      const resolveFn = (value: { statusCode: number; body: NodeJS.ReadableStream }) => {
        timeouts.forEach((t) => clearTimeout(t as NodeJS.Timeout));
        resolve(value);
      };
      const rejectFn = (err: Error) => {
        timeouts.forEach((t) => clearTimeout(t as NodeJS.Timeout));
        reject(err);
      };

      const req = hRequest(
        {
          hostname: request.hostname,
          port: request.port,
          method: request.method,
          path: request.path,
          agent: this.httpAgent,
        },
        (res) => resolveFn({ statusCode: res.statusCode || -1, body: res })
      );

      req.on("error", rejectFn);
      timeouts.push(setSocketTimeout(req, rejectFn, this.config.requestTimeout));
      req.end(request.body);
    });
  }
}
