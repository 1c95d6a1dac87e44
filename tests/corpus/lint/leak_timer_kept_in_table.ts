// A heartbeat per websocket session, kept in the gateway's table so "something" could stop it;
// nothing ever reads the table to clear one, so every session's interval runs for good.
export class PresenceGateway {
  private readonly beats: NodeJS.Timeout[] = [];
  private readonly byPeer = new Map<string, NodeJS.Timeout>();

  constructor(private readonly hub: Hub) {}

  async join(peer: string, socket: Socket) {
    await this.hub.announce(peer);
    const beat = setInterval(() => socket.ping(), 15_000); // expect: interval-not-cleared
    this.beats.push(beat); // expect: field-collection-growth (known miss: a handle is not an entry made for the call)
    const watch = setInterval(() => this.hub.check(peer), 60_000); // expect: interval-not-cleared, timer-overwritten
    this.byPeer.set(peer, watch);
  }
}
