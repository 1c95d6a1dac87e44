// A call object reads its deadline header once, from its constructor: the method that starts
// the deadline timer runs once per object, and the call's end clears it (read from session
// 12's reviews of grpc-js).
export class ServerCall {
  private deadlineTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly headers: Map<string, string>, private readonly onTimeout: () => void) {
    this.handleTimeoutHeader(headers.get('grpc-timeout') ?? '');
  }

  private handleTimeoutHeader(value: string): void {
    const ms = Number.parseInt(value, 10);
    if (!Number.isFinite(ms)) return;
    this.deadlineTimer = setTimeout(() => this.onTimeout(), ms);
  }

  end(): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
  }
}
