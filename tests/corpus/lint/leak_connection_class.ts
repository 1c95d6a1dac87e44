export class Connection {
  private keepAlive?: NodeJS.Timeout;

  constructor(private readonly socket: { write(data: string): void }) {}

  open(): void {
    this.keepAlive = setInterval(() => this.socket.write('ping'), 15_000); // expect: interval-not-cleared
  }
}

export function reconnectForever(connect: () => void): void {
  setInterval(connect, 5_000); // expect: interval-not-cleared
}
