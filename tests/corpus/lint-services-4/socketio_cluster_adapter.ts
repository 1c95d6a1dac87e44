import uid2 = require("uid2");
import msgpack = require("notepack.io");
import { Adapter, BroadcastOptions, Room, SocketId } from "socket.io-adapter";

const debug = require("debug")("socket.io-cluster-redis");

/**
 * Request types, for messages between nodes
 */
enum RequestType {
  SOCKETS = 0,
  ALL_ROOMS = 1,
  REMOTE_JOIN = 2,
  REMOTE_LEAVE = 3,
  REMOTE_FETCH = 5,
  SERVER_SIDE_EMIT = 6,
}

interface Request {
  type: RequestType;
  resolve: Function;
  reject?: Function;
  timeout: NodeJS.Timeout;
  numSub?: number;
  msgCount?: number;
  [other: string]: any;
}

interface AckRequest {
  clientCountCallback: (clientCount: number) => void;
  ack: (...args: any[]) => void;
}

export interface ClusterAdapterOptions {
  /** the name of the key to pub/sub events on as prefix */
  key: string;
  /** after this timeout the adapter will stop waiting from responses to request */
  requestsTimeout: number;
}

export function createAdapter(pubClient: any, subClient: any, opts?: Partial<ClusterAdapterOptions>) {
  return function (nsp: any) {
    return new ClusterAdapter(nsp, pubClient, subClient, opts);
  };
}

export class ClusterAdapter extends Adapter {
  public readonly uid: string;
  public readonly requestsTimeout: number;

  private readonly channel: string;
  private readonly requestChannel: string;
  private readonly responseChannel: string;
  private requests: Map<string, Request> = new Map();
  private ackRequests: Map<string, AckRequest> = new Map();
  private readonly onMessageBuffer: (channel: Buffer, message: Buffer) => void;

  constructor(nsp: any, readonly pubClient: any, readonly subClient: any, opts: Partial<ClusterAdapterOptions> = {}) {
    super(nsp);
    this.uid = uid2(6);
    this.requestsTimeout = opts.requestsTimeout || 5000;

    const prefix = opts.key || "socket.io";
    this.channel = prefix + "#" + nsp.name + "#";
    this.requestChannel = prefix + "-request#" + this.nsp.name + "#";
    this.responseChannel = prefix + "-response#" + this.nsp.name + "#";

    this.onMessageBuffer = (channel, message) => this.dispatch(channel.toString(), message);
    this.subClient.subscribe([this.channel + "*", this.requestChannel, this.responseChannel]);
    this.subClient.on("messageBuffer", this.onMessageBuffer); // ok: listener-leak

    const registerFriendlyErrorHandler = (redisClient: any) => {
      if (!redisClient.listenerCount("error")) {
        redisClient.on("error", () => { // ok: listener-leak
          console.error("missing 'error' handler on this Redis client");
        });
      }
    };
    registerFriendlyErrorHandler(this.pubClient);
    registerFriendlyErrorHandler(this.subClient);
  }

  private dispatch(channel: string, msg: Buffer) {
    if (channel === this.requestChannel) return this.onrequest(msg);
    if (channel === this.responseChannel) return this.onresponse(msg);
    const args = msgpack.decode(msg);
    const [uid, packet, opts] = args;
    if (this.uid === uid) return debug("ignore same uid");
    super.broadcast(packet, { rooms: new Set(opts.rooms), except: new Set(opts.except) });
  }

  private async onrequest(msg: Buffer) {
    const request = msgpack.decode(msg);
    debug("received request %j", request);
    switch (request.type) {
      case RequestType.SOCKETS: {
        if (this.requests.has(request.requestId)) return;
        const sockets = await super.sockets(new Set(request.rooms));
        this.publishResponse(request, { requestId: request.requestId, sockets: [...sockets] });
        break;
      }
      case RequestType.REMOTE_JOIN: {
        const sockets = await super.fetchSockets({ rooms: new Set(request.opts.rooms), except: new Set(request.opts.except) });
        for (const socket of sockets) socket.join(request.rooms);
        this.publishResponse(request, { requestId: request.requestId });
        break;
      }
      case RequestType.SERVER_SIDE_EMIT: {
        if (request.uid === this.uid) return;
        const withAck = request.requestId !== undefined;
        if (!withAck) {
          this.nsp._onServerSideEmit(request.data);
          return;
        }
        let called = false;
        const callback = (arg: any) => {
          if (called) return;
          called = true;
          this.publishResponse(request, { type: RequestType.SERVER_SIDE_EMIT, requestId: request.requestId, data: arg });
        };
        request.data.push(callback);
        this.nsp._onServerSideEmit(request.data);
        break;
      }
      default:
        debug("ignoring unknown request type: %s", request.type);
    }
  }

  private onresponse(msg: Buffer) {
    const response = msgpack.decode(msg);
    const requestId = response.requestId;
    if (!requestId || !(this.requests.has(requestId) || this.ackRequests.has(requestId))) return;
    const request = this.requests.get(requestId);
    if (!request) return;
    if (request.type === RequestType.SOCKETS || request.type === RequestType.ALL_ROOMS) {
      request.msgCount!++;
      const items = response.sockets || response.rooms || [];
      items.forEach((s: string) => request.collected.add(s)); // ok: unbounded-collection
      if (request.msgCount === request.numSub) {
        clearTimeout(request.timeout);
        request.resolve(request.collected);
        this.requests.delete(requestId);
      }
    } else if (request.type === RequestType.SERVER_SIDE_EMIT) {
      request.responses.push(response.data); // ok: unbounded-collection
      if (++request.msgCount! === request.numSub) {
        clearTimeout(request.timeout);
        request.resolve(null, request.responses);
        this.requests.delete(requestId);
      }
    }
  }

  private publishResponse(request: any, response: any) {
    debug("publishing response to channel %s", this.responseChannel);
    this.pubClient.publish(this.responseChannel, msgpack.encode(response));
  }

  public async sockets(rooms: Set<Room>): Promise<Set<SocketId>> {
    const localSockets = await super.sockets(rooms);
    const numSub = await this.getNumSub();
    if (numSub <= 1) return localSockets;

    const requestId = uid2(6);
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => { // ok: timer-leak
        if (this.requests.has(requestId)) {
          reject(new Error("timeout reached while waiting for sockets response"));
          this.requests.delete(requestId);
        }
      }, this.requestsTimeout);
      this.requests.set(requestId, { // ok: unbounded-collection
        type: RequestType.SOCKETS, numSub, resolve, timeout, msgCount: 1, collected: new Set(localSockets),
      });
      this.pubClient.publish(this.requestChannel, msgpack.encode({ uid: this.uid, requestId, type: RequestType.SOCKETS, rooms: [...rooms] }));
    });
  }

  public async allRooms(): Promise<Set<Room>> {
    const localRooms = new Set(this.rooms.keys());
    const numSub = await this.getNumSub();
    if (numSub <= 1) return localRooms;

    const requestId = uid2(6);
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => { // ok: timer-leak
        // gives up, but the entry stays in the map when a node never answers
        reject(new Error("timeout reached while waiting for allRooms response"));
      }, this.requestsTimeout);
      this.requests.set(requestId, { // leak: unbounded-collection
        type: RequestType.ALL_ROOMS, numSub, resolve, timeout, msgCount: 1, collected: localRooms,
      });
      this.subClient.on("end", () => reject(new Error("redis subscriber closed"))); // leak: listener-leak
      this.pubClient.publish(this.requestChannel, msgpack.encode({ uid: this.uid, requestId, type: RequestType.ALL_ROOMS }));
    });
  }

  public serverSideEmit(packet: any[]): void {
    const withAck = typeof packet[packet.length - 1] === "function";
    if (!withAck) {
      this.pubClient.publish(this.requestChannel, msgpack.encode({ uid: this.uid, type: RequestType.SERVER_SIDE_EMIT, data: packet }));
      return;
    }
    const ack = packet.pop();
    const requestId = uid2(6);
    this.getNumSub().then((numSub) => {
      const timeout = setTimeout(() => { // ok: timer-leak
        const storedRequest = this.requests.get(requestId);
        if (storedRequest) {
          ack(new Error(`timeout reached: only ${storedRequest.responses.length} responses received out of ${storedRequest.numSub - 1}`), storedRequest.responses);
          this.requests.delete(requestId);
        }
      }, this.requestsTimeout);
      this.requests.set(requestId, { // ok: unbounded-collection
        type: RequestType.SERVER_SIDE_EMIT, numSub, timeout, resolve: ack, responses: [], msgCount: 1,
      });
      this.pubClient.publish(this.requestChannel, msgpack.encode({ uid: this.uid, requestId, type: RequestType.SERVER_SIDE_EMIT, data: packet }));
    });
  }

  public broadcastWithAck(packet: any, opts: BroadcastOptions, clientCountCallback: (n: number) => void, ack: (...args: any[]) => void) {
    const requestId = uid2(6);
    this.ackRequests.set(requestId, { clientCountCallback, ack }); // ok: closure-capture
    this.pubClient.publish(this.channel, msgpack.encode([this.uid, packet, { rooms: [...opts.rooms], requestId }]));
    setTimeout(() => this.ackRequests.delete(requestId), opts.flags!.timeout); // ok: timer-leak
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  private getNumSub(): Promise<number> {
    return this.pubClient.send_command("pubsub", ["numsub", this.requestChannel]).then((res: any[]) => parseInt(res[1], 10));
  }

  public close(): void {
    this.subClient.unsubscribe([this.channel + "*", this.requestChannel, this.responseChannel]);
    this.subClient.removeListener("messageBuffer", this.onMessageBuffer);
    for (const request of this.requests.values()) clearTimeout(request.timeout);
    this.requests.clear();
  }
}
