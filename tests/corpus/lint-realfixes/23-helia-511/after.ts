export class TrustlessGateway {
  constructor(private readonly url: URL, private readonly shutdownSignal: AbortSignal) {}

  async getRawBlock(cid: string): Promise<Uint8Array> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    this.shutdownSignal.addEventListener('abort', onAbort);
    try {
      const res = await fetch(new URL(`/ipfs/${cid}?format=raw`, this.url), {
        signal: controller.signal,
        headers: { Accept: 'application/vnd.ipld.raw' },
      });
      if (!res.ok) throw new Error(`unable to fetch raw block for CID ${cid}`);
      return new Uint8Array(await res.arrayBuffer());
    } finally {
      this.shutdownSignal.removeEventListener('abort', onAbort);
    }
  }
}
