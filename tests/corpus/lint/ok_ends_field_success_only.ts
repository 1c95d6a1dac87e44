// The same relay, forgetting each call however it ends; and a stack pushed and popped
// around the work (not keyed entries).
export class UpstreamRelay {
  private readonly waiting = new Map<string, { path: string; since: number }>()
  private readonly depth: string[] = []

  constructor(private readonly upstream: { call(path: string, body: unknown): Promise<unknown> }) {}

  async relay(callId: string, path: string, body: unknown) {
    this.waiting.set(callId, { path, since: Date.now() })
    try {
      return await this.upstream.call(path, body)
    } finally {
      this.waiting.delete(callId)
    }
  }

  async nested(path: string, body: unknown) {
    this.depth.push(path)
    const answer = await this.upstream.call(path, body)
    this.depth.pop()
    return answer
  }
}
