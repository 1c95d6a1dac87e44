export class Query {
  private closed = false;
  private readonly onAbort = () => this.close();

  constructor(private readonly transport: { write(m: string): void; close(): void }, private readonly abortSignal?: AbortSignal) {
    if (abortSignal) {
      abortSignal.addEventListener('abort', this.onAbort);
    }
  }

  send(prompt: string): void {
    this.transport.write(JSON.stringify({ type: 'user', prompt }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abortSignal?.removeEventListener('abort', this.onAbort);
    this.transport.close();
  }
}
