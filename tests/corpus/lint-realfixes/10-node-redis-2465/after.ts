export class RedisCommandsQueue {
  #waitingToBeSent: Array<{ args: string[]; resolve: (v: unknown) => void; reject: (e: Error) => void; abort?: { signal: AbortSignal; listener: () => void } }> = [];
  #waitingForReply: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];

  addCommand(args: string[], options?: { signal?: AbortSignal }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const node: { args: string[]; resolve: (v: unknown) => void; reject: (e: Error) => void; abort?: { signal: AbortSignal; listener: () => void } } = { args, resolve, reject };
      if (options?.signal) {
        const listener = () => {
          this.#waitingToBeSent = this.#waitingToBeSent.filter((n) => n !== node);
          reject(new Error('The command was aborted'));
        };
        node.abort = { signal: options.signal, listener };
        options.signal.addEventListener('abort', listener, { once: true });
      }
      this.#waitingToBeSent.push(node);
    });
  }

  getCommandToSend(): string[] | undefined {
    const toSend = this.#waitingToBeSent.shift();
    if (toSend) {
      toSend.abort?.signal.removeEventListener('abort', toSend.abort.listener);
      this.#waitingForReply.push({ resolve: toSend.resolve, reject: toSend.reject });
    }
    return toSend?.args;
  }
}
