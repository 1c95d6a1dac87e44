export function createRPC(send: (message: unknown) => void, maxRequestTime = 1000) {
  let lastRequestId = 0;
  const requestListeners = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const requestTimeouts = new Map<number, ReturnType<typeof setTimeout>>();

  function request(method: string, params: unknown): Promise<unknown> {
    const id = ++lastRequestId;
    return new Promise((resolve, reject) => {
      requestListeners.set(id, { resolve, reject }); // leak: unbounded-collection
      requestTimeouts.set(id, setTimeout(() => {
        reject(new Error(`RPC request timed out: ${method}`));
      }, maxRequestTime));
      send({ type: 'request', id, method, params });
    });
  }

  function handle(message: { type: string; id: number; success: boolean; payload: unknown; error?: string }) {
    if (message.type !== 'response') return;
    const listener = requestListeners.get(message.id);
    clearTimeout(requestTimeouts.get(message.id));
    if (!listener) return;
    if (message.success) listener.resolve(message.payload);
    else listener.reject(new Error(message.error));
  }

  return { request, handle };
}
