// SvelteKit endpoint GET /api/notifications/stream: one Server-Sent Events
// stream per open browser tab, for logged-in and anonymous visitors alike.
type RequestHandler = (event: { locals: { user?: { nickname: string } } }) => Promise<Response>;

interface SSEEntry {
    controller: ReadableStreamDefaultController;
    heartbeatInterval: ReturnType<typeof setInterval>;
    lastActivity: number;
}

const connections = new Map<string, SSEEntry>();

const MAX_CONNECTIONS = 5_000;
const IDLE_TIMEOUT_MS = 5 * 60 * 1000;

// every way out of a stream goes through here
function closeEntry(userId: string, entry: SSEEntry): void {
    clearInterval(entry.heartbeatInterval);
    try {
        entry.controller.close();
    } catch {
        // already closed
    }
    connections.delete(userId);
}

export function _getOnlineCount(): number {
    return connections.size;
}

function broadcastOnlineCount(): void {
    const encoded = new TextEncoder().encode(`event: online_count\ndata: ${connections.size}\n\n`);
    for (const [userId, entry] of connections) {
        try {
            entry.controller.enqueue(encoded);
            entry.lastActivity = Date.now();
        } catch {
            closeEntry(userId, entry);
        }
    }
}

// one sweep for the module: closes streams whose client vanished without cancel()
const cleanupTimer = setInterval(() => {
    const now = Date.now();
    for (const [userId, entry] of connections) {
        if (now - entry.lastActivity > IDLE_TIMEOUT_MS) closeEntry(userId, entry);
    }
}, 60_000);
cleanupTimer.unref?.();

export const GET: RequestHandler = async ({ locals }) => {
    const userId = locals.user?.nickname || `anon-${Date.now()}`;

    const stream = new ReadableStream({
        start(controller) {
            if (connections.size >= MAX_CONNECTIONS) {
                const oldestKey = connections.keys().next().value;
                const oldest = oldestKey !== undefined ? connections.get(oldestKey) : undefined;
                if (oldestKey !== undefined && oldest) closeEntry(oldestKey, oldest);
            }
            const existing = connections.get(userId);
            if (existing) closeEntry(userId, existing);

            const heartbeatInterval = setInterval(() => {
                const entry = connections.get(userId);
                if (!entry) {
                    clearInterval(heartbeatInterval);
                    return;
                }
                try {
                    entry.controller.enqueue(new TextEncoder().encode(`event: heartbeat\ndata: ${Date.now()}\n\n`));
                    entry.lastActivity = Date.now();
                } catch {
                    closeEntry(userId, entry);
                }
            }, 30_000);
            heartbeatInterval.unref?.();

            connections.set(userId, { controller, heartbeatInterval, lastActivity: Date.now() });
            controller.enqueue(new TextEncoder().encode(`event: online_count\ndata: ${connections.size}\n\n`));
            broadcastOnlineCount();
        },
        cancel() {
            const entry = connections.get(userId);
            if (entry) closeEntry(userId, entry);
            broadcastOnlineCount();
        }
    });

    return new Response(stream, {
        headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }
    });
};
