import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { ConflictError, InputError, NotFoundError } from '../core/errors.js';
import { nowIso, type Timestamp } from '../core/time.js';
import { checkPassword } from './password-policy.js';
import { hashPassword, randomSecret, verifyPassword } from './passwords.js';

export const ROLES = ['admin', 'manager', 'annotator'] as const;
export type Role = (typeof ROLES)[number];
export type UserKind = 'human' | 'crowd';

/** A user as the CLI and API show it: never the password hash. */
export interface User {
  id: number;
  name: string;
  role: Role;
  kind: UserKind;
  externalId: string | null;
  /** A disabled user cannot log in, and its sessions and tokens stop working. */
  disabled: boolean;
  createdAt: Timestamp;
}

export interface UserRow {
  id: number;
  name: string;
  role: string;
  kind: string;
  external_id: string | null;
  password_hash: string | null;
  disabled: boolean | number;
  browser_hash: string | null;
  created_at: string;
}

const MAX_NAME_LENGTH = 200;
export const userNameSchema = z
  .string()
  .min(1)
  .max(MAX_NAME_LENGTH)
  .regex(/^[\p{L}\p{N}._@-]+$/u, 'use letters, digits, dot, underscore, @ or dash');
export const roleSchema = z.enum(ROLES);

export function userFromRow(row: UserRow): User {
  return { id: row.id, name: row.name, role: row.role as Role, kind: row.kind as UserKind, externalId: row.external_id, disabled: Boolean(row.disabled), createdAt: row.created_at };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function createUser(db: Knex, input: { name: string; role: Role; password?: string }): Promise<User> {
  const name = userNameSchema.safeParse(input.name);
  if (!name.success) throw new InputError(`user name "${input.name}": ${name.error.issues[0]?.message}`);
  if (input.password !== undefined) checkPassword(input.password, input.name);
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const rows: UserRow[] = await db('users')
    .insert({ name: input.name, role: input.role, kind: 'human', password_hash: passwordHash, created_at: nowIso() })
    .onConflict('name')
    .ignore()
    .returning('*');
  if (!rows[0]) throw new ConflictError(`user ${input.name} already exists`);
  return userFromRow(rows[0]);
}

/** A new password ends every session of the user: whoever knew the old one is signed out. */
export async function setPassword(db: Knex, name: string, password: string): Promise<void> {
  checkPassword(password, name);
  const user = await getUser(db, name);
  const hash = await hashPassword(password);
  await db.transaction(async (trx) => {
    await trx('users').where({ id: user.id }).update({ password_hash: hash });
    await trx('sessions').where({ user_id: user.id }).del();
  });
}

/**
 * Disables or enables a user. Disabling ends its sessions at once; its API tokens are refused
 * while it stays disabled. The last enabled admin cannot be disabled.
 */
export async function setDisabled(db: Knex, name: string, disabled: boolean): Promise<User> {
  const user = await getUser(db, name);
  await db.transaction(async (trx) => {
    if (disabled && user.role === 'admin') {
      const others = await trx('users').where({ role: 'admin', disabled: false }).whereNot({ id: user.id }).first('id');
      if (!others) throw new ConflictError(`${name} is the only enabled admin; enable or add another admin first`);
    }
    await trx('users').where({ id: user.id }).update({ disabled });
    if (disabled) await trx('sessions').where({ user_id: user.id }).del();
  });
  return getUser(db, name);
}

export async function listUsers(db: Knex, opts: { kind?: UserKind } = {}): Promise<User[]> {
  const q = db('users').select('*').orderBy('id');
  if (opts.kind) q.where('kind', opts.kind);
  return (await q).map(userFromRow);
}

export async function getUser(db: Knex, name: string): Promise<User> {
  const row: UserRow | undefined = await db('users').where({ name }).first();
  if (!row) throw new NotFoundError('user', name);
  return userFromRow(row);
}

export async function countUsers(db: Knex): Promise<number> {
  const row = await db('users').where('kind', 'human').count({ count: '*' }).first();
  return Number(row?.count ?? 0);
}

/** The user whose password matches, or undefined (same answer for unknown users and wrong passwords). */
export async function checkCredentials(db: Knex, name: string, password: string): Promise<User | undefined> {
  const row: UserRow | undefined = await db('users').where({ name, kind: 'human', disabled: false }).first();
  const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
  return row && ok ? userFromRow(row) : undefined;
}

// Verifying against a fixed hash when the user does not exist keeps response time from telling names apart.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** An API token as listed: never the token itself, which is shown once when it is made. */
export interface ApiToken {
  id: number;
  name: string;
  createdAt: Timestamp;
  /** Null: it does not expire. */
  expiresAt: Timestamp | null;
  lastUsedAt: Timestamp | null;
}

interface TokenRow {
  id: number;
  name: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

const tokenFromRow = (row: TokenRow): ApiToken => ({ id: row.id, name: row.name ?? `token-${row.id}`, createdAt: row.created_at, expiresAt: row.expires_at, lastUsedAt: row.last_used_at });

export const tokenNameSchema = z.string().min(1).max(100).regex(/^[\p{L}\p{N} ._@-]+$/u, 'use letters, digits, spaces, dot, underscore, @ or dash');

/** Makes an API token; the token itself is returned once and only its hash is kept. */
export async function issueToken(db: Knex, userName: string, opts: { name?: string; expiresAt?: Timestamp } = {}): Promise<{ token: string; info: ApiToken }> {
  const user = await getUser(db, userName);
  const token = `trove_${randomSecret(32)}`;
  const rows: TokenRow[] = await db('api_tokens')
    .insert({ user_id: user.id, token_hash: sha256(token), name: opts.name ?? null, expires_at: opts.expiresAt ?? null, created_at: nowIso() })
    .returning(['id', 'name', 'created_at', 'expires_at', 'last_used_at']);
  return { token, info: tokenFromRow(rows[0]) };
}

export async function createToken(db: Knex, userName: string): Promise<string> {
  return (await issueToken(db, userName)).token;
}

export async function listTokens(db: Knex, userName: string): Promise<ApiToken[]> {
  const user = await getUser(db, userName);
  const rows: TokenRow[] = await db('api_tokens').where({ user_id: user.id }).orderBy('id').select('id', 'name', 'created_at', 'expires_at', 'last_used_at');
  return rows.map(tokenFromRow);
}

export async function revokeToken(db: Knex, userName: string, tokenId: number): Promise<void> {
  const user = await getUser(db, userName);
  const n = await db('api_tokens').where({ id: tokenId, user_id: user.id }).del();
  if (!n) throw new NotFoundError(`API token of ${userName}`, tokenId);
}

/**
 * The enabled user an unexpired token belongs to; notes when the token was used (the server
 * asks again only every few seconds per token, so this write is rare).
 */
export async function userForToken(db: Knex, token: string): Promise<User | undefined> {
  const row: (UserRow & { token_id: number }) | undefined = await db('api_tokens')
    .join('users', 'users.id', 'api_tokens.user_id')
    .where({ 'api_tokens.token_hash': sha256(token), 'users.disabled': false })
    .where((q) => q.whereNull('api_tokens.expires_at').orWhere('api_tokens.expires_at', '>', nowIso()))
    .first('users.*', 'api_tokens.id as token_id');
  if (!row) return undefined;
  await db('api_tokens').where({ id: row.token_id }).update({ last_used_at: nowIso() });
  return userFromRow(row);
}

/** A crowd worker, created on first sight of its external id (e.g. an MTurk WorkerId or a Prolific PID). */
export async function crowdWorker(db: Knex, platform: string, externalId: string): Promise<User> {
  const ext = `${platform}:${externalId}`;
  const existing: UserRow | undefined = await db('users').where({ kind: 'crowd', external_id: ext }).first();
  if (existing) return userFromRow(existing);
  // Human names cannot hold a colon, so the external id itself names the worker without colliding.
  const name = ext.length <= MAX_NAME_LENGTH ? ext : `crowd-${sha256(ext).slice(0, 16)}`;
  await db('users').insert({ name, role: 'annotator', kind: 'crowd', external_id: ext, created_at: nowIso() }).onConflict().ignore();
  const row: UserRow | undefined = await db('users').where({ kind: 'crowd', external_id: ext }).first();
  if (!row) throw new ConflictError(`crowd worker ${ext} could not be created`);
  return userFromRow(row);
}

/**
 * The first admin: from TROVE_ADMIN_USER / TROVE_ADMIN_PASSWORD, or "admin" with a generated
 * password that the caller prints once. Does nothing once any human user exists.
 */
export async function ensureFirstAdmin(db: Knex, env: NodeJS.ProcessEnv = process.env): Promise<{ name: string; generatedPassword?: string } | undefined> {
  if ((await countUsers(db)) > 0) return undefined;
  const name = env.TROVE_ADMIN_USER || 'admin';
  const given = env.TROVE_ADMIN_PASSWORD;
  const password = given || randomSecret(15);
  await createUser(db, { name, role: 'admin', password });
  return given ? { name } : { name, generatedPassword: password };
}
