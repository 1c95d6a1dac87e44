// grpc-js: every channel, subchannel and server keeps a channelz trace of
// events for introspection. A server logs one event when a client connects
// and one when it leaves; servers run for the life of the process.
import * as http2 from 'http2';

type TraceSeverity = 'CT_UNKNOWN' | 'CT_INFO' | 'CT_WARNING' | 'CT_ERROR';

interface TraceEvent {
  description: string;
  severity: TraceSeverity;
  timestamp: Date;
}

export class ChannelzTrace {
  events: TraceEvent[] = [];
  creationTimestamp = new Date();
  eventsLogged = 0;

  addTrace(severity: TraceSeverity, description: string): void {
    this.events.push({ description, severity, timestamp: new Date() }); // leak: unbounded-collection
    this.eventsLogged += 1;
  }

  getTraceMessage() {
    return {
      creation_timestamp: this.creationTimestamp.toISOString(),
      num_events_logged: this.eventsLogged,
      events: this.events.map((e) => ({ ...e, timestamp: e.timestamp.toISOString() })),
    };
  }
}

export class Server {
  private readonly channelzTrace = new ChannelzTrace();
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  constructor() {
    this.channelzTrace.addTrace('CT_INFO', 'Server created');
  }

  bind(http2Server: http2.Http2Server): void {
    http2Server.on('session', (session) => this.onSession(session));
  }

  private onSession(session: http2.ServerHttp2Session): void {
    const clientAddress = `${session.socket.remoteAddress}:${session.socket.remotePort}`;
    this.channelzTrace.addTrace('CT_INFO', 'Connection established by client ' + clientAddress);
    this.sessions.add(session);
    session.once('close', () => {
      this.channelzTrace.addTrace('CT_INFO', 'Connection dropped by client ' + clientAddress);
      this.sessions.delete(session);
    });
  }
}
