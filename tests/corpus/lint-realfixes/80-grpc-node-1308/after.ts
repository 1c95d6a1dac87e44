// grpc-js client: every call gets a filter stack; the deadline filter
// cancels the call when its deadline passes. Calls are made per request,
// often with long deadlines (minutes or hours for streaming calls).
import { Metadata } from './metadata';

interface StatusObject {
  code: number;
  details: string;
}

interface Call {
  getDeadline(): Date | number;
  cancelWithStatus(code: number, details: string): void;
}

const DEADLINE_EXCEEDED = 4;

abstract class BaseFilter {
  async sendMetadata(metadata: Promise<Metadata>): Promise<Metadata> {
    return metadata;
  }

  receiveTrailers(status: StatusObject): StatusObject {
    return status;
  }
}

export class DeadlineFilter extends BaseFilter {
  private timer: NodeJS.Timeout | null = null;
  private readonly deadline: number;

  constructor(private readonly callStream: Call) {
    super();
    const callDeadline = callStream.getDeadline();
    this.deadline = callDeadline instanceof Date ? callDeadline.getTime() : callDeadline;
    const timeout = Math.max(this.deadline - Date.now(), 0);
    if (this.deadline !== Infinity) {
      this.timer = setTimeout(() => {
        callStream.cancelWithStatus(DEADLINE_EXCEEDED, 'Deadline exceeded');
      }, timeout);
      this.timer.unref();
    }
  }

  // The call is over: its deadline no longer matters.
  receiveTrailers(status: StatusObject): StatusObject {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    return status;
  }
}

export class DeadlineFilterFactory {
  createFilter(callStream: Call): DeadlineFilter {
    return new DeadlineFilter(callStream);
  }
}

export class Http2CallStream implements Call {
  private readonly filters: BaseFilter[];

  constructor(private readonly deadline: Date | number, factories: DeadlineFilterFactory[]) {
    this.filters = factories.map((f) => f.createFilter(this));
  }

  getDeadline(): Date | number {
    return this.deadline;
  }

  cancelWithStatus(code: number, details: string): void {
    this.endCall({ code, details });
  }

  handleTrailers(status: StatusObject): void {
    this.endCall(status);
  }

  // Every way a call ends passes its status through the filters.
  private endCall(status: StatusObject): void {
    let final = status;
    for (const filter of this.filters) {
      final = filter.receiveTrailers(final);
    }
    this.onStatus?.(final);
  }

  onStatus?: (status: StatusObject) => void;
}
