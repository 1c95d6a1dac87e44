// MongoClient.connect(): applications (serverless handlers, request
// middleware) commonly call `await client.connect()` on a shared client at
// the start of every request and rely on it being a no-op once connected.
import { EventEmitter } from 'events';

const CLIENT_EVENTS = ['serverHeartbeatSucceeded', 'serverHeartbeatFailed', 'topologyDescriptionChanged'] as const;

class Topology extends EventEmitter {
  private connected = false;
  client?: MongoClient;
  // A topology owns a monitor (socket + heartbeat interval) per server.
  private monitors: NodeJS.Timeout[] = [];

  constructor(readonly hosts: string[]) {
    super();
  }

  isConnected(): boolean {
    return this.connected;
  }

  async connect(): Promise<void> {
    for (const _host of this.hosts) {
      this.monitors.push(setInterval(() => this.emit('serverHeartbeatSucceeded'), 10_000));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    this.connected = true;
    this.emit('open');
  }

  close(): void {
    this.monitors.forEach(clearInterval);
    this.monitors = [];
    this.connected = false;
  }
}

export class MongoClient extends EventEmitter {
  topology?: Topology;

  constructor(private readonly hosts: string[]) {
    super();
  }

  async connect(): Promise<this> {
    if (this.topology && this.topology.isConnected()) {
      return this;
    }

    // Two calls that arrive while the first is still connecting both get
    // here; the second topology replaces the first in the field, and the
    // first (with its monitors) is never closed.
    const topology = new Topology(this.hosts); // leak: resource-per-request
    this.topology = topology;
    topology.client = this;

    topology.once('open', () => this.emit('open', this));
    for (const event of CLIENT_EVENTS) {
      topology.on(event, (...args: unknown[]) => this.emit(event, ...args));
    }

    try {
      await topology.connect();
    } catch (error) {
      topology.close();
      throw error;
    }
    return this;
  }

  async close(): Promise<void> {
    this.topology?.close();
    this.topology = undefined;
  }
}
