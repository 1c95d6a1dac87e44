// grpc-js: channelz keeps a process-wide registry of channels, subchannels,
// servers and sockets for introspection. Every HTTP/2 transport (one per
// connection a subchannel makes, so a new one on every reconnect) registers
// its socket there.
import * as http2 from 'http2';

interface SocketInfo {
  remoteAddress: string;
  streamsStarted: number;
}

interface SocketRef {
  id: number;
  name: string;
  kind: 'socket';
}

interface SocketEntry {
  ref: SocketRef;
  getInfo(): SocketInfo;
}

let nextId = 1;
const sockets: (SocketEntry | undefined)[] = [];

export function registerChannelzSocket(name: string, getInfo: () => SocketInfo, enabled: boolean): SocketRef {
  const id = nextId++;
  const ref: SocketRef = { id, name, kind: 'socket' };
  if (enabled) {
    sockets[id] = { ref, getInfo };
  }
  return ref;
}

export function unregisterChannelzRef(ref: SocketRef): void {
  delete sockets[ref.id];
}

export class Http2Transport {
  private readonly channelzRef: SocketRef;
  private streamsStarted = 0;

  constructor(private readonly session: http2.ClientHttp2Session, private readonly address: string, enableChannelz: boolean) {
    // The entry's getInfo closure holds this transport and its session.
    this.channelzRef = registerChannelzSocket(address, () => this.getChannelzInfo(), enableChannelz); // leak: unbounded-collection
    session.once('close', () => this.handleDisconnect());
  }

  private getChannelzInfo(): SocketInfo {
    return { remoteAddress: this.address, streamsStarted: this.streamsStarted };
  }

  private handleDisconnect(): void {
    this.streamsStarted = 0;
  }

  getChannelzRef(): SocketRef {
    return this.channelzRef;
  }

  // Shutting the transport down leaves its registry entry in place.
  shutdown(): void {
    this.session.close();
  }
}
