// Each peer link registers itself in a static set so a global "reconnect all" can reach it;
// closing a link never takes it out, so every link ever made stays reachable.
export class PeerLink {
  static open = new Set<PeerLink>();

  constructor(private readonly remote: string) {
    PeerLink.open.add(this); // expect: field-collection-growth
  }

  static reconnectAll(): void {
    for (const link of PeerLink.open) link.reconnect();
  }

  reconnect(): void {
    console.log('reconnecting', this.remote);
  }

  close(): void {
    console.log('closed', this.remote);
  }
}
