// Colyseus 0.15 room style (after the colyseus examples and create-colyseus-app: a Room<State>
// subclass defined once with gameServer.define(), one instance per match made by the matchmaker,
// onCreate / onAuth / onJoin / onLeave with allowReconnection / onDispose, this.onMessage
// handlers, this.clock and setSimulationInterval, this.presence pub/sub, @colyseus/schema state
// with @type decorators). TypeScript.

import { Room, Client, matchMaker } from "@colyseus/core";
import { Schema, MapSchema, type } from "@colyseus/schema";
import { LRUCache } from "lru-cache";
import Redis from "ioredis";

export class Player extends Schema {
  @type("string") name = "";
  @type("number") x = 0;
  @type("number") y = 0;
  @type("number") hp = 100;
  @type("boolean") connected = true;
}

export class ArenaState extends Schema {
  @type({ map: Player }) players = new MapSchema<Player>();
  @type("number") timeLeft = 180;
  @type("string") phase = "waiting";
}

type Loadout = { weapon: string; perks: string[] };

const redis = new Redis(process.env.REDIS_URL ?? "redis://localhost:6379"); // ok: resource-per-request
const profiles = new LRUCache<string, { name: string; elo: number }>({ max: 2000, ttl: 600_000 });
const loadouts = new Map<string, Loadout>();
const matchHistory: Array<{ roomId: string; winner?: string; endedAt: number }> = [];

export const arenaHooks = {
  onKill: (_killer: string, _victim: string) => {},
};

declare global {
  var __arenaReconnectTokens: Record<string, string> | undefined;
  var __arenaConfig: { tickRate: number; maxHp: number } | undefined;
}

globalThis.__arenaConfig ??= { tickRate: 20, maxHp: 100 }; // ok: global-growth
globalThis.__arenaReconnectTokens ??= {}; // ok: global-growth

export class ArenaRoom extends Room<ArenaState> {
  maxClients = 16;
  private winner?: string;

  private readonly onAdminBroadcast = (message: string) => { // ok: closure-capture
    this.broadcast("announcement", message);
  };

  private readonly onLeaderboard = (top: string[]) => {
    this.broadcast("leaderboard", top);
  };

  async onCreate(options: { mode?: string }) {
    this.setState(new ArenaState());
    this.setPatchRate(1000 / globalThis.__arenaConfig!.tickRate);

    this.presence.subscribe("admin:broadcast", this.onAdminBroadcast); // ok: listener-leak
    this.presence.subscribe("leaderboard:update", this.onLeaderboard); // leak: listener-leak

    this.onMessage("move", (client, { x, y }: { x: number; y: number }) => { // ok: listener-leak
      const player = this.state.players.get(client.sessionId);
      if (!player) return;
      player.x = x;
      player.y = y;
    });

    this.onMessage("shoot", (client, { target }: { target: string }) => { // ok: listener-leak
      const victim = this.state.players.get(target);
      if (!victim) return;
      victim.hp -= 25;
      if (victim.hp <= 0) arenaHooks.onKill(client.sessionId, target);
    });

    const previousOnKill = arenaHooks.onKill;
    arenaHooks.onKill = (killer, victim) => { // leak: closure-capture
      previousOnKill(killer, victim);
      if (this.state.players.has(killer)) {
        this.broadcast("kill", { killer, victim, mode: options.mode });
      }
    };

    this.setSimulationInterval((dt) => this.update(dt)); // ok: timer-leak

    this.clock.setInterval(() => { // ok: timer-leak
      this.state.timeLeft -= 1;
      if (this.state.timeLeft <= 0) void this.endMatch();
    }, 1000);

    setInterval(() => { // leak: timer-leak
      const spot = { x: Math.random() * 800, y: Math.random() * 600 };
      this.broadcast("powerup", spot);
    }, 15_000);
  }

  async onAuth(client: Client, options: { token: string }) {
    const cached = profiles.get(options.token);
    if (cached) return cached;
    const raw = await redis.get(`session:${options.token}`);
    if (!raw) throw new Error("invalid session");
    const profile = JSON.parse(raw);
    profiles.set(options.token, profile); // ok: unbounded-cache
    return profile;
  }

  onJoin(client: Client, options: { loadout?: Loadout }, auth: { name: string; id: string }) {
    const player = new Player();
    player.name = auth.name;
    this.state.players.set(client.sessionId, player); // ok: unbounded-collection

    const loadoutKey = `${auth.id}:${JSON.stringify(options.loadout ?? {})}`;
    if (!loadouts.has(loadoutKey)) {
      loadouts.set(loadoutKey, options.loadout ?? { weapon: "blaster", perks: [] }); // leak: unbounded-cache
    }

    globalThis.__arenaReconnectTokens![auth.id] = client.reconnectionToken; // leak: global-growth

    if (this.state.players.size >= 2 && this.state.phase === "waiting") {
      this.state.phase = "playing";
      this.clock.setTimeout(() => this.lock(), 30_000); // ok: timer-leak
    }
  }

  async onLeave(client: Client, consented: boolean) {
    const player = this.state.players.get(client.sessionId);
    if (!player) return;
    player.connected = false;
    try {
      if (consented) throw new Error("consented leave");
      await this.allowReconnection(client, 20);
      player.connected = true;
    } catch {
      this.state.players.delete(client.sessionId);
    }
  }

  update(_dt: number) {
    const hits: string[] = [];
    this.state.players.forEach((player, id) => {
      if (player.hp <= 0 && player.connected) hits.push(id); // ok: unbounded-collection
    });
    if (hits.length > 0) this.broadcast("down", hits);
  }

  async endMatch() {
    let best = -1;
    this.state.players.forEach((player, id) => {
      if (player.hp > best) {
        best = player.hp;
        this.winner = id;
      }
    });
    this.state.phase = "ended";
    this.broadcast("ended", { winner: this.winner });
    await this.disconnect();
  }

  onDispose() {
    this.presence.unsubscribe("admin:broadcast", this.onAdminBroadcast);
    matchHistory.push({ roomId: this.roomId, winner: this.winner, endedAt: Date.now() }); // leak: unbounded-collection
    void redis.publish("arena:ended", JSON.stringify({ roomId: this.roomId, winner: this.winner }));
  }
}

export async function listOpenArenas() {
  const rooms = await matchMaker.query({ name: "arena", locked: false });
  return rooms.map((room) => ({ roomId: room.roomId, clients: room.clients }));
}
