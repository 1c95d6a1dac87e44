// SvelteKit endpoint GET /api/notifications/stream: one Server-Sent Events
// stream per open browser tab, for logged-in and anonymous visitors alike.
type RequestHandler = (event: { locals: { user?: { nickname: string } } }) => Promise<Response>;

const connections = new Map<string, ReadableStreamDefaultController>();

export function _getOnlineCount(): number {
    return connections.size;
}

function broadcastOnlineCount(): void {
    const encoded = new TextEncoder().encode(`event: online_count\ndata: ${connections.size}\n\n`);
    for (const [userId, controller] of connections) {
        try {
            controller.enqueue(encoded);
        } catch {
            connections.delete(userId);
        }
    }
}

export const GET: RequestHandler = async ({ locals }) => {
    const userId = locals.user?.nickname || `anon-${Date.now()}`;

    const stream = new ReadableStream({
        start(controller) {
            connections.set(userId, controller);
            controller.enqueue(new TextEncoder().encode(`event: online_count\ndata: ${connections.size}\n\n`));
            broadcastOnlineCount();

            // cleared only when an enqueue throws; cancel() below does not clear it
            const heartbeatInterval = setInterval(() => { // leak: timer-leak
                try {
                    controller.enqueue(new TextEncoder().encode(`event: heartbeat\ndata: ${Date.now()}\n\n`));
                } catch {
                    clearInterval(heartbeatInterval);
                    connections.delete(userId);
                }
            }, 30000);
        },
        cancel() {
            connections.delete(userId);
            broadcastOnlineCount();
        }
    });

    return new Response(stream, {
        headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }
    });
};
