import { timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { AuthError, ForbiddenError, TroveError } from '../core/errors.js';
import type { Hub } from '../hub.js';
import { closeSession, findSession, openSession, SESSION_TTL_MS, type Session } from '../labeling/sessions.js';
import { checkCredentials, userForToken, type Role, type User } from '../labeling/users.js';
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
// store by another process takes effect within this time. Roles are fixed when a user is created.
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

export const SESSION_COOKIE = 'trove_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

class TooManyAttemptsError extends TroveError {
  constructor(retryAfterSeconds: number) {
    super(`too many failed logins; try again in ${retryAfterSeconds} s`, { status: 429, code: 'rate_limited', details: { retryAfterSeconds } });
  }
}

/**
 * Failed logins in a sliding window, per user name (guessing one password) and, with a higher
 * limit, per client address (spraying many names; offices share one address).
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly limits = { perUser: 10, perAddress: 100 },
    private readonly windowMs = 15 * 60 * 1000,
  ) {}

  private keys(ip: string, user: string): Array<[string, number]> {
    return [
      [`user:${user.toLowerCase()}`, this.limits.perUser],
      [`ip:${ip}`, this.limits.perAddress],
    ];
  }

  check(ip: string, user: string, now = Date.now()): void {
    for (const [key, max] of this.keys(ip, user)) {
      const recent = this.recent(key, now);
      if (recent.length >= max) throw new TooManyAttemptsError(Math.ceil((recent[0] + this.windowMs - now) / 1000));
    }
  }

  fail(ip: string, user: string, now = Date.now()): void {
    for (const [key] of this.keys(ip, user)) this.failures.set(key, [...this.recent(key, now), now]);
  }

  succeed(user: string): void {
    this.failures.delete(`user:${user.toLowerCase()}`);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }
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
    const body = parseInput(loginBody, req.body, 'login');
    const ip = req.ip ?? 'unknown';
    limiter.check(ip, body.username);
    const user = await checkCredentials(db, body.username, body.password);
    if (!user) {
      limiter.fail(ip, body.username);
      throw new AuthError('wrong user name or password');
    }
    limiter.succeed(body.username);
    const session = await openSession(db, user.id);
    setSessionCookie(req, res, session.token);
    res.json({ user: { name: user.name, role: user.role }, csrfToken: session.csrfToken });
  });

  r.post('/auth/logout', async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) {
      credentialCache(hub).sessions.delete(token);
      await closeSession(db, token);
    }
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  r.get('/auth/me', requireAuth(hub), (req, res) => {
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

/** Resolves the caller; 401 without valid credentials, 403 on a cookie request without its CSRF token. */
export function requireAuth(hub: Hub): RequestHandler {
  const db = hub.store.db;
  const cache = credentialCache(hub);
  const cachedSession = (cookie: string) => cachedFound(cache.sessions, cookie, () => findSession(db, cookie));
  const cachedTokenUser = (bearer: string) => cachedFound(cache.tokens, bearer, () => userForToken(db, bearer));
  return async (req, _res, next) => {
    if (authByRequest.has(req)) return next();
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer) {
      const user = await cachedTokenUser(bearer);
      if (!user) throw new AuthError('invalid API token');
      authByRequest.set(req, { user, via: 'token', csrfToken: null, projectId: null });
      return next();
    }
    const cookie = readCookie(req, SESSION_COOKIE);
    const session = cookie ? await cachedSession(cookie) : undefined;
    if (!session) throw new AuthError();
    if (!SAFE_METHODS.has(req.method) && !sameSecret(req.get('x-csrf-token'), session.csrfToken)) {
      throw new ForbiddenError('missing or wrong x-csrf-token header');
    }
    authByRequest.set(req, { user: session.user, via: 'session', csrfToken: session.csrfToken, projectId: session.projectId });
    next();
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const auth = currentAuth(req);
    if (!roles.includes(auth.user.role)) throw new ForbiddenError(`this needs the ${roles.join(' or ')} role`);
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
