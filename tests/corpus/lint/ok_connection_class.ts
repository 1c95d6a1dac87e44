export class Connection {
  private keepAlive?: NodeJS.Timeout;

  constructor(private readonly socket: { write(data: string): void }) {}

  open(): void {
    this.keepAlive = setInterval(() => this.socket.write('ping'), 15_000);
  }

  dispose(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
  }
}
