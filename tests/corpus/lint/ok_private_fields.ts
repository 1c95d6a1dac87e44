// The same guard with an expiry: each nonce is forgotten after its window, and the per-client
// map is capped, so the private fields stay bounded.
export class ReplayWindow {
  #spent = new Map<string, number>();
  #lastSeen = new Map<string, number>();

  accept(nonce: string, clientId: string): boolean {
    const now = Date.now();
    for (const [seen, at] of this.#spent) {
      if (now - at > 60_000) this.#spent.delete(seen);
    }
    if (this.#spent.has(nonce)) return false;
    this.#spent.set(nonce, now);
    if (this.#lastSeen.size >= 10_000) this.#lastSeen.clear();
    this.#lastSeen.set(clientId, now);
    return true;
  }
}

export const replayWindow = new ReplayWindow();
