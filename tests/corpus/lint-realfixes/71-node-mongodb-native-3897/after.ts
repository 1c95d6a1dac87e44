// MongoDB driver: a cursor runs every operation inside a session; when the
// caller gives none, the cursor starts an implicit one, and the client keeps
// every live session in a set until it is ended.

type Document = Record<string, unknown>;

export class ClientSession {
  constructor(readonly client: MongoClient, readonly explicit: boolean) {}

  async endSession(): Promise<void> {
    this.client.activeSessions.delete(this);
  }
}

export class MongoClient {
  readonly activeSessions = new Set<ClientSession>();

  startSession(options: { explicit: boolean }): ClientSession {
    const session = new ClientSession(this, options.explicit);
    this.activeSessions.add(session);
    return session;
  }

  async command(_ns: string, _cmd: Document): Promise<{ id: bigint; firstBatch: Document[] }> {
    // The wire call; a time-series collection answers a limit(-1) find with
    // a cursor id that is not 0, so the cursor does not look exhausted.
    return { id: 1n, firstBatch: [] };
  }
}

export class FindCursor {
  private session: ClientSession | null = null;
  private documents: Document[] = [];
  private cursorId: bigint | null = null;
  private limitValue = 0;
  private batch = 0;
  closed = false;

  constructor(private readonly client: MongoClient, private readonly ns: string, private readonly filter: Document) {}

  limit(n: number): this {
    this.limitValue = n;
    return this;
  }

  batchSize(n: number): this {
    this.batch = n;
    return this;
  }

  private get isDead(): boolean {
    return this.cursorId === 0n;
  }

  async next(): Promise<Document | null> {
    if (this.cursorId === null) {
      this.session = this.client.startSession({ explicit: false });
      const reply = await this.client.command(this.ns, { find: this.ns, filter: this.filter, limit: this.limitValue, batchSize: this.batch });
      this.cursorId = reply.id;
      this.documents = reply.firstBatch;
    }
    const doc = this.documents.shift() ?? null;
    if (this.isDead && this.documents.length === 0) {
      await this.close();
    }
    return doc;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.session && !this.session.explicit) {
      await this.session.endSession();
    }
    this.session = null;
  }
}

export class Collection {
  constructor(private readonly client: MongoClient, private readonly ns: string) {}

  find(filter: Document = {}): FindCursor {
    return new FindCursor(this.client, this.ns, filter);
  }

  // Called by application code (and by ODMs like mongoose) once per lookup.
  async findOne(filter: Document = {}): Promise<Document | null> {
    const cursor = this.find(filter).limit(-1).batchSize(1);
    const doc = await cursor.next();
    await cursor.close();
    return doc;
  }
}
