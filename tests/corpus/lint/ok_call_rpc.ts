// Look-alike of leak_call_rpc.ts: one listener, added when the client is made, routes every
// reply; subscriptions hand back their removal; set-up methods run once.
import { EventEmitter } from 'node:events';

export class RpcClient extends EventEmitter {
  private seq = 0;
  private readonly waiting = new Map<number, (result: unknown) => void>();

  constructor(private readonly socket: EventEmitter & { send(data: string): void }) {
    super();
    this.socket.on('message', (raw: string) => this.route(raw));
  }

  connect(): void {
    this.socket.on('close', () => this.emit('disconnected'));
  }

  private route(raw: string): void {
    const reply = JSON.parse(raw);
    const resolve = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    resolve?.(reply.result);
  }

  call(method: string, params: unknown): Promise<unknown> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  watch(topic: string, onEvent: (e: unknown) => void): () => void {
    const handler = (e: unknown) => onEvent(e);
    this.on(topic, handler);
    return () => this.off(topic, handler);
  }
}
