export class Query {
  private closed = false;

  constructor(private readonly transport: { write(m: string): void; close(): void }, private readonly abortSignal?: AbortSignal) {
    if (abortSignal) {
      abortSignal.addEventListener('abort', () => { // leak: listener-leak
        this.close();
      });
    }
  }

  send(prompt: string): void {
    this.transport.write(JSON.stringify({ type: 'user', prompt }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
  }
}
