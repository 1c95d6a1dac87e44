// A client class whose methods run once per call on one long-lived instance: a listener added
// to its socket on every call piles up (issue 11, mode 3). The class is exported; who makes
// it is another module's business, but each of its methods can run many times.
import { EventEmitter } from 'node:events';

export class RpcClient extends EventEmitter {
  private seq = 0;

  constructor(private readonly socket: EventEmitter & { send(data: string): void }) {
    super();
  }

  call(method: string, params: unknown): Promise<unknown> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.socket.on('message', (raw: string) => { // expect: listener-not-removed
        const reply = JSON.parse(raw);
        if (reply.id === id) resolve(reply.result);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  watch(topic: string, onEvent: (e: unknown) => void): void {
    this.on(topic, (e) => onEvent(e)); // expect: listener-not-removed
  }
}
