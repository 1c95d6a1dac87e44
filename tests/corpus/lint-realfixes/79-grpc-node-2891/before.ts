// grpc-js xDS client: load reporting (LRS). One LrsCallState per LRS stream;
// when the stream ends the client starts a new one. The server tells the
// client how often to report, and the state reports on an interval.
import { EventEmitter } from 'events';

interface Duration {
  seconds: string;
  nanos: number;
}

interface LoadStatsResponse {
  load_reporting_interval: Duration;
  send_all_clusters: boolean;
}

interface LrsCall extends EventEmitter {
  write(message: unknown): void;
}

class LrsCallState {
  private statsTimer: NodeJS.Timeout | null = null;

  constructor(private readonly client: XdsSingleServerClient, private readonly call: LrsCall) {
    call.on('data', (message: LoadStatsResponse) => this.handleResponseMessage(message));
    call.on('status', () => this.client.handleLrsStreamEnd());
    call.on('error', () => {});
    this.sendStats();
  }

  private handleResponseMessage(message: LoadStatsResponse): void {
    const previous = this.client.latestLrsSettings;
    if (
      !this.statsTimer ||
      message.load_reporting_interval.seconds !== previous?.load_reporting_interval.seconds ||
      message.load_reporting_interval.nanos !== previous?.load_reporting_interval.nanos
    ) {
      if (this.statsTimer) {
        clearInterval(this.statsTimer);
      }
      const intervalMs =
        Number.parseInt(message.load_reporting_interval.seconds) * 1000 + message.load_reporting_interval.nanos / 1_000_000;
      // Nothing clears this once the stream has ended: the interval keeps
      // the old state (and its dead call) alive and keeps reporting.
      this.statsTimer = setInterval(() => { // leak: timer-leak
        this.sendStats();
      }, intervalMs);
    }
    this.client.latestLrsSettings = message;
  }

  private sendStats(): void {
    const stats = [...this.client.clusterStatsMap.entries()].map(([name, s]) => ({ name, ...s }));
    this.call.write({ cluster_stats: stats });
  }
}

export class XdsSingleServerClient {
  latestLrsSettings: LoadStatsResponse | null = null;
  readonly clusterStatsMap = new Map<string, { callsStarted: number }>();
  private lrsCallState: LrsCallState | null = null;
  private backoffRunning = false;

  constructor(private readonly lrsClient: { StreamLoadStats(): LrsCall }) {}

  handleLrsStreamEnd(): void {
    this.lrsCallState = null;
    if (!this.backoffRunning) {
      this.maybeStartLrsStream();
    }
  }

  maybeStartLrsStream(): void {
    if (this.lrsCallState || this.clusterStatsMap.size < 1) {
      return;
    }
    const call = this.lrsClient.StreamLoadStats();
    this.lrsCallState = new LrsCallState(this, call);
  }
}
