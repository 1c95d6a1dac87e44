// Every connect answer sets the network watchers up again: the answer comes in a promise
// reaction of sendHandshake(), which runs on every connect and reconnect, so this setup-named
// method runs per connect.
export class Link {
  private handshakes = 0;

  constructor(private readonly transport: { request(body: unknown): Promise<unknown> }) {}

  connect(): void {
    this.sendHandshake();
  }

  reconnect(): void {
    this.sendHandshake();
  }

  private sendHandshake(): void {
    this.handshakes += 1;
    this.transport.request({ hello: this.handshakes }).then((answer) => {
      this.onHandshake(answer);
    });
  }

  private onHandshake(answer: unknown): void {
    this.setupWatchers(answer);
  }

  private setupWatchers(answer: unknown): void {
    globalThis.addEventListener('offline', () => this.reconnect()); // expect: listener-not-removed
    void answer;
  }
}
