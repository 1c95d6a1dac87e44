export class TrustlessGateway {
  constructor(private readonly url: URL, private readonly shutdownSignal: AbortSignal) {}

  async getRawBlock(cid: string): Promise<Uint8Array> {
    const res = await fetch(new URL(`/ipfs/${cid}?format=raw`, this.url), { // leak: listener-leak
      signal: this.shutdownSignal,
      headers: { Accept: 'application/vnd.ipld.raw' },
    });
    if (!res.ok) throw new Error(`unable to fetch raw block for CID ${cid}`);
    return new Uint8Array(await res.arrayBuffer());
  }
}
