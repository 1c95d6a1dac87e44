// matrix-appservice-bridge style, after matrix-appservice-slack's Main.ts / BridgedRoom.ts:
// one Main object for the life of the process owns the Bridge (controller.onEvent /
// onUserQuery), the Slack RTM / socket-mode clients and the room map; a BridgedRoom per linked
// room; admin commands (`link`, `unlink`, `resync`) arrive as Matrix messages in the admin room.
// TypeScript, 4-space indent, double quotes.

import { Bridge, Intent, Request, WeakEvent, Logger, AppServiceRegistration } from "matrix-appservice-bridge";
import { WebClient } from "@slack/web-api";
import { SocketModeClient } from "@slack/socket-mode";
import { RTMClient } from "@slack/rtm-api";
import { LRUCache } from "lru-cache";
import { EventEmitter } from "events";

const log = new Logger("Main");

declare global {
    // eslint-disable-next-line no-var
    var __matrixTxnLog: Record<string, number> | undefined;
    // eslint-disable-next-line no-var
    var __bridgeStartedAt: number | undefined;
}

interface SlackProfile { id: string; real_name: string; image_72?: string }

export class BridgedRoom {
    private readonly onSlackMessage = (msg: { channel: string; user: string; text: string; ts: string }) => {
        if (msg.channel !== this.slackChannelId) {
            return;
        }
        void this.main.onSlackMessage(this, msg);
    };

    constructor(
        private readonly main: Main,
        public readonly matrixRoomId: string,
        public readonly slackChannelId: string,
        public readonly teamId: string,
    ) {
        main.rtm.on("message", this.onSlackMessage); // leak: listener-leak
    }
}

class PuppetSession {
    private readonly onPresence = (ev: { user: string; presence: string }) => {
        this.lastPresence = ev.presence;
    };
    public lastPresence = "away";

    constructor(private readonly events: EventEmitter) {
        events.on("presence_change", this.onPresence); // ok: listener-leak
    }

    stop() {
        this.events.off("presence_change", this.onPresence);
    }
}

export class Main {
    public readonly rtm: RTMClient;
    private readonly bridge: Bridge;
    private readonly rooms = new Map<string, BridgedRoom>();
    private readonly sentEventIds = new Set<string>();
    private readonly profiles = new Map<string, SlackProfile>();
    private readonly displayNames = new LRUCache<string, string>({ max: 5000, ttl: 30 * 60_000 });
    private readonly teamClients = new Map<string, WebClient>();
    private readonly typingTimers = new Map<string, NodeJS.Timeout>();
    private presenceTimer?: NodeJS.Timeout;
    private metricsTimer?: NodeJS.Timeout;
    private onLinkComplete: (roomId: string) => Promise<void>;

    constructor(private readonly config: { homeserver: string; domain: string; adminRoom: string; botToken: string; appToken: string }) {
        this.rtm = new RTMClient(config.botToken);
        this.onLinkComplete = async (roomId) => { // ok: closure-capture
            log.info(`linked ${roomId}`);
        };
        this.bridge = new Bridge({
            homeserverUrl: config.homeserver,
            domain: config.domain,
            registration: "slack-registration.yaml",
            controller: {
                onEvent: async (request: Request<WeakEvent>) => this.onMatrixEvent(request), // ok: closure-capture
                onUserQuery: () => ({}),
            },
        });
    }

    private clientFor(teamId: string, token: string): WebClient {
        let client = this.teamClients.get(teamId);
        if (!client) {
            client = new WebClient(token); // ok: resource-per-request
            this.teamClients.set(teamId, client);
        }
        return client;
    }

    private async profileOf(client: WebClient, slackUserId: string): Promise<SlackProfile> {
        const cached = this.profiles.get(slackUserId);
        if (cached) {
            return cached;
        }
        const res = await client.users.info({ user: slackUserId });
        const profile = { id: slackUserId, real_name: res.user?.real_name ?? slackUserId, image_72: res.user?.profile?.image_72 };
        this.profiles.set(slackUserId, profile); // leak: unbounded-cache
        return profile;
    }

    public async onSlackMessage(room: BridgedRoom, msg: { user: string; text: string; ts: string }) {
        const client = this.clientFor(room.teamId, this.config.botToken);
        const profile = await this.profileOf(client, msg.user);
        const intent: Intent = this.bridge.getIntent(`@slack_${msg.user}:${this.config.domain}`);
        await intent.setDisplayName(profile.real_name);
        const { event_id: eventId } = await intent.sendMessage(room.matrixRoomId, { msgtype: "m.text", body: msg.text });
        this.sentEventIds.add(eventId); // leak: unbounded-collection
    }

    private async onMatrixEvent(request: Request<WeakEvent>) {
        const event = request.getData();
        if (this.sentEventIds.delete(event.event_id)) {
            return; // our own echo
        }
        if (event.type === "m.typing") {
            const previous = this.typingTimers.get(event.room_id);
            if (previous) {
                clearTimeout(previous);
            }
            this.typingTimers.set(event.room_id, setTimeout(() => this.typingTimers.delete(event.room_id), 4000)); // ok: timer-leak
            return;
        }
        if (event.type !== "m.room.message") {
            return;
        }
        if (event.room_id === this.config.adminRoom) {
            await this.onAdminCommand(event);
            return;
        }
        const room = this.rooms.get(event.room_id);
        if (!room) {
            return;
        }
        const mentions: string[] = [];
        for (const match of String(event.content.body).matchAll(/@slack_(\w+):/g)) {
            mentions.push(`<@${match[1]}>`); // ok: unbounded-collection
        }
        const senderName = this.displayNames.get(event.sender) ?? event.sender;
        this.displayNames.set(event.sender, senderName); // ok: unbounded-cache
        await this.clientFor(room.teamId, this.config.botToken).chat.postMessage({
            channel: room.slackChannelId,
            text: `${mentions.join(" ")} ${event.content.body}`.trim(),
            username: senderName,
        });
    }

    private async onAdminCommand(event: WeakEvent) {
        const [command, ...args] = String(event.content.body).trim().split(/\s+/);
        switch (command) {
            case "link": {
                const [matrixRoomId, slackChannelId, teamId] = args;
                const socket = new SocketModeClient({ appToken: this.config.appToken }); // leak: resource-per-request
                await socket.start();
                this.rooms.set(matrixRoomId, new BridgedRoom(this, matrixRoomId, slackChannelId, teamId)); // ok: unbounded-collection
                const previous = this.onLinkComplete;
                this.onLinkComplete = async (roomId) => { // leak: closure-capture
                    await previous(roomId);
                    await this.bridge.getIntent().sendText(this.config.adminRoom, `${event.sender} linked ${roomId} (${event.content.body})`);
                };
                await this.onLinkComplete(matrixRoomId);
                break;
            }
            case "unlink": {
                this.rooms.delete(args[0]);
                break;
            }
            case "resync": {
                this.presenceTimer = setInterval(() => { // leak: timer-leak
                    void this.syncPresence();
                }, 5 * 60_000);
                break;
            }
            default:
                await this.bridge.getIntent().sendText(this.config.adminRoom, `unknown command ${command}`);
        }
    }

    private async syncPresence() {
        const session = new PuppetSession(this.rtm as unknown as EventEmitter);
        try {
            await new Promise((resolve) => setTimeout(resolve, 2000));
            log.debug(`presence ${session.lastPresence}`);
        } finally {
            session.stop();
        }
    }

    public async run(port: number) {
        globalThis.__bridgeStartedAt ??= Date.now(); // ok: global-growth
        globalThis.__matrixTxnLog ??= {}; // ok: global-growth
        this.rtm.on("disconnected", () => log.warn("RTM disconnected, the client reconnects by itself")); // ok: listener-leak
        this.rtm.on("team_join", (ev: { user: { id: string } }) => { // ok: listener-leak
            this.profiles.delete(ev.user.id);
        });
        const appservice = await this.bridge.run(port);
        appservice.on("http-log", (line: string) => log.debug(line)); // ok: listener-leak
        appservice.on("transaction", (txnId: string, events: unknown[]) => {
            globalThis.__matrixTxnLog![txnId] = events.length; // leak: global-growth
        });
        this.metricsTimer = setInterval(() => { // ok: timer-leak
            log.info(`rooms=${this.rooms.size} profiles=${this.profiles.size}`);
        }, 60_000);
        process.once("SIGTERM", () => { // ok: listener-leak
            clearInterval(this.metricsTimer);
            clearInterval(this.presenceTimer);
            void this.rtm.disconnect();
        });
        await this.rtm.start();
    }
}

export function generateRegistration(reg: AppServiceRegistration) {
    reg.setId(AppServiceRegistration.generateToken());
    reg.setHomeserverToken(AppServiceRegistration.generateToken());
    reg.setAppServiceToken(AppServiceRegistration.generateToken());
    reg.setSenderLocalpart("slackbot");
    reg.addRegexPattern("users", "@slack_.*", true);
}
