// src/node-http-handler.ts of @smithy/node-http-handler 3.1.1 (the HTTP layer of the AWS
// SDK for JavaScript v3), cut to the abort wiring of handle(). Callers commonly pass the
// same AbortSignal to every command they send (a service's shutdown signal, a worker's
// signal), and it lives far longer than any request.
import { Agent as hAgent, request as hRequest } from "http";

interface HttpRequest {
  hostname: string;
  port?: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface AbortSignalLike {
  aborted: boolean;
  onabort: ((this: AbortSignalLike, ev: any) => any) | null;
}

export class NodeHttpHandler {
  private httpAgent = new hAgent({ keepAlive: true, maxSockets: 50 });

  async handle(
    request: HttpRequest,
    { abortSignal }: { abortSignal?: AbortSignal | AbortSignalLike } = {}
  ): Promise<{ response: { statusCode: number; body: NodeJS.ReadableStream } }> {
    return new Promise((resolve, reject) => {
      // if the request was already aborted, prevent doing extra work
      if (abortSignal?.aborted) {
        const abortError = new Error("Request aborted");
        abortError.name = "AbortError";
        reject(abortError);
        return;
      }

      const req = hRequest(
        {
          headers: request.headers,
          host: request.hostname,
          method: request.method,
          path: request.path,
          port: request.port,
          agent: this.httpAgent,
        },
        (res) => {
          resolve({ response: { statusCode: res.statusCode || -1, body: res } });
        }
      );

      req.on("error", (err: Error) => {
        reject(err);
      });

      // wire-up abort logic
      if (abortSignal) {
        const onAbort = () => {
          // ensure request is destroyed
          req.destroy();
          const abortError = new Error("Request aborted");
          abortError.name = "AbortError";
          reject(abortError);
        };
        if (typeof (abortSignal as AbortSignal).addEventListener === "function") {
          // preferred.
          const signal = abortSignal as AbortSignal;
          signal.addEventListener("abort", onAbort, { once: true });
          req.once("close", () => signal.removeEventListener("abort", onAbort));
        } else {
          // backwards compatibility
          abortSignal.onabort = onAbort;
        }
      }

      req.end(request.body);
    });
  }
}
