// A long-lived relay tracks each forwarded call under its id and forgets it only when the
// upstream answers: a call that fails or times out keeps its entry.
export class UpstreamRelay {
  private readonly waiting = new Map<string, { path: string; since: number }>()

  constructor(private readonly upstream: { call(path: string, body: unknown): Promise<unknown> }) {}

  async relay(callId: string, path: string, body: unknown) {
    this.waiting.set(callId, { path, since: Date.now() }) // expect: field-collection-growth
    const answer = await this.upstream.call(path, body)
    this.waiting.delete(callId)
    return answer
  }

  stuck() {
    return [...this.waiting.values()].filter((w) => Date.now() - w.since > 60_000)
  }
}
