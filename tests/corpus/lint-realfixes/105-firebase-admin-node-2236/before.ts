// firebase-admin: every call to a Firebase REST API (auth.listUsers,
// getUser, messaging.send...) goes through AsyncHttpCall. Requests use a
// keep-alive agent, so consecutive calls reuse the same socket.
import * as http from 'http';
import * as https from 'https';

export interface LowLevelResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  data?: string;
}

export interface HttpRequestConfig {
  options: https.RequestOptions;
  body?: Buffer;
  timeout?: number;
}

export class AsyncHttpCall {
  private readonly promise: Promise<LowLevelResponse>;
  private resolve!: (value: LowLevelResponse) => void;
  private reject!: (reason: Error) => void;

  static invoke(config: HttpRequestConfig): Promise<LowLevelResponse> {
    return new AsyncHttpCall(config).promise;
  }

  private constructor(private readonly config: HttpRequestConfig) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.execute();
    });
  }

  private execute(): void {
    const transport = this.config.options.protocol === 'https:' ? https : http;
    const req: http.ClientRequest = transport.request(this.config.options, (res) => this.handleResponse(res, req));

    req.on('error', (err) => {
      if (!req.destroyed) this.reject(err);
    });

    const timeout = this.config.timeout;
    const timeoutCallback = () => {
      req.destroy();
      this.reject(new Error(`timeout of ${timeout}ms exceeded`));
    };
    if (timeout) {
      req.setTimeout(timeout, timeoutCallback);
      // A pooled socket serves many calls: each one adds a 'timeout'
      // listener (holding this call) and an 'end' listener, removed only
      // when the socket itself ends, and raises the limit to hide it.
      req.on('socket', (socket) => {
        socket.setMaxListeners(socket.getMaxListeners() + 1);
        socket.setTimeout(timeout, timeoutCallback); // leak: listener-leak
        socket.on('end', () => { // leak: listener-leak
          socket.setTimeout(0);
          socket.setMaxListeners(Math.max(socket.getMaxListeners() - 1, 0));
        });
      });
    }

    req.end(this.config.body);
  }

  private handleResponse(res: http.IncomingMessage, req: http.ClientRequest): void {
    if (req.destroyed) return;
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => {
      this.resolve({ status: res.statusCode ?? 0, headers: res.headers, data: Buffer.concat(chunks).toString('utf8') });
    });
  }
}
