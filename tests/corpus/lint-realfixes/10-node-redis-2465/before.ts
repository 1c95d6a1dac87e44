export class RedisCommandsQueue {
  #waitingToBeSent: Array<{ args: string[]; resolve: (v: unknown) => void; reject: (e: Error) => void; signal?: AbortSignal }> = [];
  #waitingForReply: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];

  addCommand(args: string[], options?: { signal?: AbortSignal }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const node = { args, resolve, reject, signal: options?.signal };
      if (options?.signal) {
        options.signal.addEventListener('abort', () => { // leak: listener-leak
          this.#waitingToBeSent = this.#waitingToBeSent.filter((n) => n !== node);
          reject(new Error('The command was aborted'));
        });
      }
      this.#waitingToBeSent.push(node);
    });
  }

  getCommandToSend(): string[] | undefined {
    const toSend = this.#waitingToBeSent.shift();
    if (toSend) {
      this.#waitingForReply.push({ resolve: toSend.resolve, reject: toSend.reject });
    }
    return toSend?.args;
  }
}
