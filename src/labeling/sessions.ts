import type { Knex } from 'knex';
import { nowIso, toIso } from '../core/time.js';
import { randomSecret } from './passwords.js';
import { sha256, userFromRow, type User, type UserRow } from './users.js';

export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface Session {
  user: User;
  csrfToken: string;
  /** Set for crowd sessions: the one project the worker may label. */
  projectId: number | null;
}

/** Opens a session; returns the cookie value (kept only as a hash in the store). */
export async function openSession(db: Knex, userId: number, projectId: number | null = null): Promise<{ token: string; csrfToken: string }> {
  const token = randomSecret(32);
  const csrfToken = randomSecret(24);
  const now = Date.now();
  await db('sessions').insert({
    user_id: userId,
    token_hash: sha256(token),
    csrf_token: csrfToken,
    project_id: projectId,
    created_at: toIso(now),
    expires_at: toIso(now + SESSION_TTL_MS),
  });
  return { token, csrfToken };
}

/** The live session of a cookie with its (enabled) user, in one statement. */
export async function findSession(db: Knex, token: string): Promise<Session | undefined> {
  const row: (UserRow & { csrf_token: string; project_id: number | null }) | undefined = await db('sessions')
    .join('users', 'users.id', 'sessions.user_id')
    .where('sessions.token_hash', sha256(token))
    .where('sessions.expires_at', '>', nowIso())
    .where('users.disabled', false)
    .first('users.*', 'sessions.csrf_token', 'sessions.project_id');
  return row && { user: userFromRow(row), csrfToken: row.csrf_token, projectId: row.project_id };
}

export async function closeSession(db: Knex, token: string): Promise<void> {
  await db('sessions').where('token_hash', sha256(token)).del();
  await db('sessions').where('expires_at', '<', nowIso()).del();
}
