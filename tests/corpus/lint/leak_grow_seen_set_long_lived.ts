// A replay guard kept by a long-lived service: every nonce it has accepted stays in the set
// for the life of the process (no expiry, no cap), one entry per request.
export class ReplayGuardService {
  private accepted = new Set<string>();

  constructor(private readonly windowMs: number) {}

  admit(nonce: string, sentAt: number): boolean {
    if (Date.now() - sentAt > this.windowMs) return false;
    if (this.accepted.has(nonce)) return false;
    this.accepted.add(nonce); // expect: field-collection-growth
    return true;
  }
}
