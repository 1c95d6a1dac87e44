// Two files of nats.js 2.14 in one: nats-base-client/consumermessages.ts (cut to the
// inbox subscription and stop()) and the fetch() of nats-base-client/consumer.ts. A
// worker calls consumer.fetch() in a loop for as long as it runs, on one connection.
import { QueuedIteratorImpl } from "./queued_iterator.ts";
import type { FetchOptions, NatsConnection, Subscription, JsMsg, Msg } from "./types.ts";
import { createInbox } from "./protocol.ts";
import { isHeartbeatMsg } from "./jsutil.ts";
import { toJsMsg } from "./jsmsg.ts";
import { Timeout, timeout } from "./util.ts";

export class PullConsumerMessagesImpl extends QueuedIteratorImpl<JsMsg> {
  consumer: PullConsumerImpl;
  opts: Record<string, number>;
  sub: Subscription;
  pending: { msgs: number; bytes: number; requests: number };
  inbox: string;
  timeout: Timeout<unknown> | null;

  constructor(c: PullConsumerImpl, opts: FetchOptions) {
    super();
    this.consumer = c;
    this.opts = opts as Record<string, number>;
    this.pending = { msgs: 0, bytes: 0, requests: 0 };
    this.timeout = null;
    this.inbox = createInbox();

    this.sub = c.nc.subscribe(this.inbox, { // leak: listener-leak
      callback: (err: Error | null, msg: Msg) => {
        if (err) {
          this.stop();
          return;
        }
        if (msg.subject === this.inbox) {
          if (isHeartbeatMsg(msg)) {
            return;
          }
          this.stop();
          return;
        }
        this._push(toJsMsg(msg));
        this.received++;
        if (this.pending.msgs) {
          this.pending.msgs--;
        }
        if (this.pending.msgs === 0) {
          this.stop();
        }
      },
    });

    this.pending.msgs = this.opts.max_messages;
    c.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${c.stream}.${c.name}`, JSON.stringify(this.opts), {
      reply: this.inbox,
    });
  }

  trackTimeout(t: Timeout<unknown>) {
    this.timeout = t;
  }

  close(): Promise<void> {
    this.stop();
    return this.iterClosed;
  }

  closed(): Promise<void> {
    return this.iterClosed;
  }

  clearTimers() {
    this.timeout?.cancel();
    this.timeout = null;
  }

  stop(err?: Error) {
    this.clearTimers();
    //@ts-ignore: fn
    this._push(() => {
      super.stop(err);
    });
  }
}

export class PullConsumerImpl {
  constructor(public nc: NatsConnection, public stream: string, public name: string) {}

  fetch(opts: FetchOptions = { max_messages: 100, expires: 30_000 }): Promise<PullConsumerMessagesImpl> {
    const m = new PullConsumerMessagesImpl(this, opts);
    const to = Math.round(m.opts.expires * 1.05);
    const timer = timeout(to);
    m.closed().then(() => {
      timer.cancel();
    });
    timer.catch(() => {
      m.close().catch();
    });
    m.trackTimeout(timer);

    return Promise.resolve(m);
  }
}
