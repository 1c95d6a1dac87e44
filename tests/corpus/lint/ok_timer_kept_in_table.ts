// The same tables, read back to clear: a peer's watch is cleared when it leaves, and every
// heartbeat when the gateway shuts down.
export class PresenceGateway {
  private readonly beats: NodeJS.Timeout[] = [];
  private readonly byPeer = new Map<string, NodeJS.Timeout>();

  constructor(private readonly hub: Hub) {}

  async join(peer: string, socket: Socket) {
    await this.hub.announce(peer);
    const watch = setInterval(() => this.hub.check(peer), 60_000);
    this.byPeer.set(peer, watch);
    socket.once('close', () => {
      clearInterval(this.byPeer.get(peer));
      this.byPeer.delete(peer);
    });
  }

  startHeartbeat(socket: Socket) {
    const beat = setInterval(() => socket.ping(), 15_000);
    this.beats.push(beat);
  }

  shutdown() {
    this.beats.forEach(clearInterval);
    this.beats.length = 0;
  }
}
