// SvelteKit server hook: getSession runs on every request that carries a
// session cookie, crawlers and anonymous visitors included.
import { createHash } from 'crypto';
import type { Pool } from 'mysql2/promise';

export interface SessionData {
    sessionId: string;
    mbId: string;
    expiresAt: Date;
    /** when last_active_at was last written; evicted with the cache entry */
    lastDbUpdate?: number;
}

interface TieredCache<T> {
    get(key: string): Promise<T | null>;
    set(key: string, value: T): Promise<void>;
    delete(key: string): Promise<void>;
}

declare const pool: Pool;
declare function makeTieredCache<T>(prefix: string, maxL1: number): TieredCache<T>;

const LAST_ACTIVE_UPDATE_INTERVAL = 5 * 60 * 1000;

// an LRU-bounded session cache
const sessionCache = makeTieredCache<SessionData>('sess', 2000);

function hashSessionId(id: string): string {
    return createHash('sha256').update(id).digest('hex');
}

export async function getSession(sessionId: string): Promise<SessionData | null> {
    const sessionIdHash = hashSessionId(sessionId);
    const now = Date.now();

    const cached = await sessionCache.get(sessionIdHash);
    if (cached) {
        const lastUpdate = cached.lastDbUpdate ?? 0;
        if (now - lastUpdate > LAST_ACTIVE_UPDATE_INTERVAL) {
            cached.lastDbUpdate = now;
            pool.query('UPDATE sessions SET last_active_at = NOW() WHERE session_id_hash = ?', [sessionIdHash])
                .catch(() => {});
        }
        return cached;
    }

    const [rows] = await pool.query('SELECT mb_id, expires_at FROM sessions WHERE session_id_hash = ?', [sessionIdHash]);
    const row = (rows as { mb_id: string; expires_at: string }[])[0];
    if (!row) return null;

    const sessionData: SessionData = {
        sessionId,
        mbId: row.mb_id,
        expiresAt: new Date(row.expires_at),
        lastDbUpdate: now
    };
    await sessionCache.set(sessionIdHash, sessionData);
    return sessionData;
}

export async function destroySession(sessionId: string): Promise<void> {
    const sessionIdHash = hashSessionId(sessionId);
    await sessionCache.delete(sessionIdHash);
    await pool.query('DELETE FROM sessions WHERE session_id_hash = ?', [sessionIdHash]);
}
