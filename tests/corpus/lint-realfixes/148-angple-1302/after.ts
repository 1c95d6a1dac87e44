// SvelteKit server hook: authenticateSSR runs for every server-rendered request
// and wraps each auth lookup in withTimeout.
interface Session { mbId: string }
interface Member { id: string; nick: string }

declare function getSession(sessionId: string): Promise<Session | null>;
declare function getMemberById(mbId: string): Promise<Member | null>;

const AUTH_TIMEOUT_MS = 3000;

/** resolves to null when the promise does not settle within ms */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeoutPromise = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), ms);
        timer.unref?.();
    });
    return Promise.race([promise, timeoutPromise]).finally(() => {
        if (timer) clearTimeout(timer);
    });
}

export async function authenticateSSR(event: {
    cookies: { get(name: string): string | undefined };
    locals: { user: Member | null };
}): Promise<void> {
    event.locals.user = null;
    const sessionId = event.cookies.get('angple_sid');
    if (!sessionId) return;

    const session = await withTimeout(getSession(sessionId), AUTH_TIMEOUT_MS);
    if (!session) return;
    event.locals.user = await withTimeout(getMemberById(session.mbId), AUTH_TIMEOUT_MS);
}
