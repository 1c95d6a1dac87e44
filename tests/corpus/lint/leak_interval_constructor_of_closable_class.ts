// A session can be closed, but close() does not stop the keep-alive the constructor started:
// every closed session stays referenced by its interval.
export class Session {
  private beats = 0;

  constructor(private readonly send: (msg: string) => void) {
    setInterval(() => { this.beats += 1; this.send('ping'); }, 10000); // expect: interval-not-cleared
  }

  close(): void {
    this.send('bye');
  }
}
