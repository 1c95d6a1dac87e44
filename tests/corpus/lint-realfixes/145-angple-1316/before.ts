// Server modules of a community site: getSingoRole runs for the viewer of
// every page, fetchMemberLevels for the authors on every list and post page.
// Entries carry an expiry, checked on read; nothing ever deletes one.
import type { Pool } from 'mysql2/promise';

declare const pool: Pool;

export type SingoRole = 'admin' | 'super_admin' | null;

const ROLE_CACHE_TTL_MS = 60_000;
const roleCache = new Map<string, { role: SingoRole; expiresAt: number }>();

export async function getSingoRole(mbId: string | null | undefined): Promise<SingoRole> {
    if (!mbId) return null;
    const now = Date.now();
    const cached = roleCache.get(mbId);
    if (cached && cached.expiresAt > now) {
        return cached.role;
    }
    const [rows] = await pool.query('SELECT role FROM singo_users WHERE mb_id = ? LIMIT 1', [mbId]);
    const role: SingoRole = (rows as { role: SingoRole }[])[0]?.role ?? null;
    roleCache.set(mbId, { role, expiresAt: now + ROLE_CACHE_TTL_MS }); // leak: unbounded-cache
    return role;
}

const LEVEL_CACHE_TTL_MS = 5 * 60 * 1000;
const levelCache = new Map<string, { level: number; expiresAt: number }>();

async function queryMemberLevels(ids: string[]): Promise<Record<string, number>> {
    const placeholders = ids.map(() => '?').join(',');
    const [rows] = await pool.query(`SELECT mb_id, as_level FROM g5_member WHERE mb_id IN (${placeholders})`, ids);
    const levels: Record<string, number> = {};
    for (const row of rows as { mb_id: string; as_level: number }[]) {
        levels[row.mb_id] = Number(row.as_level) || 1;
    }
    const expiresAt = Date.now() + LEVEL_CACHE_TTL_MS;
    for (const [mbId, level] of Object.entries(levels)) {
        levelCache.set(mbId, { level, expiresAt }); // leak: unbounded-cache
    }
    return levels;
}

export async function fetchMemberLevels(ids: string[]): Promise<Record<string, number>> {
    const levels: Record<string, number> = {};
    const missing: string[] = [];
    const now = Date.now();
    for (const id of ids) {
        const cached = levelCache.get(id);
        if (cached && cached.expiresAt > now) {
            levels[id] = cached.level;
        } else {
            missing.push(id);
        }
    }
    if (missing.length) Object.assign(levels, await queryMemberLevels(missing));
    return levels;
}
