import { timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { AuthError, ForbiddenError, TroveError } from '../core/errors.js';
import type { Hub } from '../hub.js';
import { closeSession, findSession, openSession, SESSION_TTL_MS, type Session } from '../labeling/sessions.js';
import { checkCredentials, userForToken, type User } from '../labeling/users.js';
import { assertCleanText } from './request-text.js';
import { TtlCache } from './ttl-cache.js';
import { parseInput } from './validate.js';

/**
 * Authentication for /api: a session cookie (web UI) or `Authorization: Bearer <token>` (scripts).
 * Cookie sessions must echo their CSRF token in `x-csrf-token` on every mutating request; bearer
 * requests need not, since a browser never attaches them on its own.
 */
export interface AuthContext {
  user: User;
  via: 'session' | 'token';
  csrfToken: string | null;
  /** Crowd sessions are bound to one project. */
  projectId: number | null;
}

// Kept beside the request rather than on it, so Express's own types stay untouched.
const authByRequest = new WeakMap<Request, AuthContext>();

// Every request resolves its cookie or token; a copy a few seconds old saves that statement on
// nearly all of them. Logout drops its session at once; a session ended or a user disabled in the
// store by another process takes effect within this time; in this process at once
// (`forgetCredentials`). Roles are fixed when a user is created.
const CREDENTIAL_CACHE_MS = 10_000;
interface CredentialCache {
  sessions: TtlCache<string, Session>;
  tokens: TtlCache<string, User>;
}
const cacheByHub = new WeakMap<Hub, CredentialCache>();

function credentialCache(hub: Hub): CredentialCache {
  let cache = cacheByHub.get(hub);
  if (!cache) {
    cache = { sessions: new TtlCache(CREDENTIAL_CACHE_MS), tokens: new TtlCache(CREDENTIAL_CACHE_MS) };
    cacheByHub.set(hub, cache);
  }
  return cache;
}

/** Sessions and tokens ended in this process stop working at once, not after the cache's time. */
export function forgetCredentials(hub: Hub): void {
  const cache = credentialCache(hub);
  cache.sessions.clear();
  cache.tokens.clear();
}

export const SESSION_COOKIE = 'trove_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

class TooManyAttemptsError extends TroveError {
  constructor(retryAfterSeconds: number) {
    super(`too many failed logins; try again in ${retryAfterSeconds} s`, { status: 429, code: 'rate_limited', details: { retryAfterSeconds } });
  }
}

/**
 * Login attempts in a sliding window, counted when they arrive, before the password is hashed,
 * so concurrent guesses count as they come. Guessing is bounded per user name and client address
 * together: someone guessing bob's password from elsewhere does not lock bob out. Spraying many
 * names from one address is slowed to one attempt per `slowdownMs` past `perAddress` attempts,
 * never refused outright (an office shares one address). A success forgets the pair's failures.
 */
export class LoginLimiter {
  private readonly attempts = new Map<string, number[]>();
  constructor(
    private readonly limits = { perUserAndAddress: 10, perAddress: 100 },
    private readonly windowMs = 15 * 60 * 1000,
    private readonly slowdownMs = 10_000,
  ) {}

  /** Counts an attempt; 429 (with the seconds to wait) when the pair or the address is over its limit. */
  attempt(ip: string, user: string, now = Date.now()): void {
    this.sweep(now);
    const pair = this.recent(pairKey(ip, user), now);
    if (pair.length >= this.limits.perUserAndAddress) throw new TooManyAttemptsError(secondsUntil(pair[0] + this.windowMs, now));
    const address = this.recent(`ip:${ip}`, now);
    const last = address[address.length - 1];
    if (address.length >= this.limits.perAddress && now - last < this.slowdownMs) throw new TooManyAttemptsError(secondsUntil(last + this.slowdownMs, now));
    this.attempts.set(pairKey(ip, user), [...pair, now]);
    this.attempts.set(`ip:${ip}`, [...address, now]);
  }

  succeed(ip: string, user: string): void {
    this.attempts.delete(pairKey(ip, user));
    this.attempts.get(`ip:${ip}`)?.pop();
  }

  private recent(key: string, now: number): number[] {
    return (this.attempts.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }

  // Names an attacker makes up must not pile up: old keys go once the map is large.
  private sweep(now: number): void {
    if (this.attempts.size < 10_000) return;
    for (const [key, times] of this.attempts) if ((times[times.length - 1] ?? 0) <= now - this.windowMs) this.attempts.delete(key);
  }
}

const pairKey = (ip: string, user: string) => `pair:${ip}:${user.toLowerCase()}`;
const secondsUntil = (at: number, now: number) => Math.max(1, Math.ceil((at - now) / 1000));

/**
 * Login and logout change which account the browser uses, so a page on another site must not
 * trigger them (a form posted cross-site would sign the victim into the attacker's account).
 * Browsers say where a request comes from in Sec-Fetch-Site, older ones in Origin; scripts send
 * neither.
 */
export function assertSameOrigin(req: Request): void {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return;
    throw new ForbiddenError(`cross-site ${req.path} refused`);
  }
  const origin = req.get('origin');
  if (origin === undefined) return;
  const host = URL.canParse(origin) ? new URL(origin).host : undefined;
  if (host !== req.host) throw new ForbiddenError(`cross-site ${req.path} refused`);
}

const loginBody = z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(1000) });

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function setSessionCookie(req: Request, res: Response, token: string): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/', maxAge: SESSION_TTL_MS });
}

/** POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me. */
export function authRouter(hub: Hub, limiter = new LoginLimiter()): Router {
  const r = Router();
  const db = hub.store.db;

  r.post('/auth/login', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    assertSameOrigin(req);
    assertCleanText(req.body, 'login');
    const body = parseInput(loginBody, req.body, 'login');
    const ip = req.ip ?? 'unknown';
    limiter.attempt(ip, body.username);
    const user = await checkCredentials(db, body.username, body.password);
    if (!user) throw new AuthError('wrong user name or password');
    limiter.succeed(ip, body.username);
    const session = await openSession(db, user.id);
    setSessionCookie(req, res, session.token);
    res.json({ user: { name: user.name, role: user.role }, csrfToken: session.csrfToken });
  });

  // Without its session's CSRF token a logout changes nothing, so a page elsewhere cannot end a
  // session; a request that brings no cookie has none to end (a cross-site one would clear it).
  r.post('/auth/logout', async (req, res) => {
    assertSameOrigin(req);
    const token = readCookie(req, SESSION_COOKIE);
    const session = token ? await findSession(db, token) : undefined;
    if (token && session) {
      if (!sameSecret(req.get('x-csrf-token'), session.csrfToken)) throw new ForbiddenError('missing or wrong x-csrf-token header');
      credentialCache(hub).sessions.delete(token);
      await closeSession(db, token);
    }
    if (token) res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  r.get('/auth/me', (req, res) => {
    const auth = currentAuth(req);
    res.json({ user: { name: auth.user.name, role: auth.user.role, kind: auth.user.kind }, csrfToken: auth.csrfToken });
  });

  return r;
}

/** The cached value for `key`, else what `find` gives. Only found values are kept: a refused credential is looked up again next time. */
async function cachedFound<T>(cache: TtlCache<string, T>, key: string, find: () => Promise<T | undefined>): Promise<T | undefined> {
  const hit = cache.get(key);
  if (hit) return hit;
  const found = await find();
  if (found) cache.set(key, found);
  return found;
}

/**
 * Resolves the caller and keeps it beside the request; 401 without valid credentials, 403 on a
 * cookie request without its CSRF token.
 */
export function authenticate(hub: Hub): (req: Request) => Promise<void> {
  const db = hub.store.db;
  const cache = credentialCache(hub);
  const cachedSession = (cookie: string) => cachedFound(cache.sessions, cookie, () => findSession(db, cookie));
  const cachedTokenUser = (bearer: string) => cachedFound(cache.tokens, bearer, () => userForToken(db, bearer));
  return async (req) => {
    if (authByRequest.has(req)) return;
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) {
      const user = await cachedTokenUser(bearer);
      if (!user) throw new AuthError('invalid API token');
      authByRequest.set(req, { user, via: 'token', csrfToken: null, projectId: null });
      return;
    }
    const cookie = readCookie(req, SESSION_COOKIE);
    const session = cookie ? await cachedSession(cookie) : undefined;
    if (!session) throw new AuthError();
    if (!SAFE_METHODS.has(req.method) && !sameSecret(req.get('x-csrf-token'), session.csrfToken)) {
      throw new ForbiddenError('missing or wrong x-csrf-token header');
    }
    authByRequest.set(req, { user: session.user, via: 'session', csrfToken: session.csrfToken, projectId: session.projectId });
  };
}

/** `authenticate` as middleware: every /api request past login, so an unknown route answers 401 before 404. */
export function requireAuth(hub: Hub): RequestHandler {
  const resolve = authenticate(hub);
  return async (req, _res, next) => {
    await resolve(req);
    next();
  };
}

export function currentAuth(req: Request): AuthContext {
  const auth = authByRequest.get(req);
  if (!auth) throw new AuthError();
  return auth;
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
