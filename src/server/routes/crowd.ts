import { Router, type Request } from 'express';
import { ConflictError } from '../../core/errors.js';
import type { Hub } from '../../hub.js';
import { openCrowdSession } from '../../labeling/crowd-link.js';
import { randomSecret } from '../../labeling/passwords.js';
import { findSession } from '../../labeling/sessions.js';
import { readCookie, SESSION_COOKIE, setSessionCookie } from '../auth.js';

/** Names this browser to the crowd entry, so a worker id stays with the browser that first used it. */
const BROWSER_COOKIE = 'trove_crowd_browser';
const BROWSER_COOKIE_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * The public entry of a crowd link: opens a crowd session and sends the worker to the labeling
 * page. A browser signed in as a person keeps its session: a link on another site must not
 * swap it for a crowd one.
 */
export function crowdEntryRouter(hub: Hub): Router {
  const r = Router();
  const db = hub.store.db;

  async function refuseOverPersonalSession(req: Request): Promise<void> {
    const cookie = readCookie(req, SESSION_COOKIE);
    const session = cookie ? await findSession(db, cookie) : undefined;
    if (session && session.user.kind !== 'crowd') {
      throw new ConflictError(`this browser is signed in as ${session.user.name}; log out before opening a crowd link`);
    }
  }

  r.get('/crowd/:token', async (req, res) => {
    await refuseOverPersonalSession(req);
    const browser = readCookie(req, BROWSER_COOKIE) ?? randomSecret(24);
    res.cookie(BROWSER_COOKIE, browser, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/crowd', maxAge: BROWSER_COOKIE_MS });
    const { projectName, sessionToken } = await openCrowdSession(db, String(req.params.token), req.query as Record<string, unknown>, browser);
    setSessionCookie(req, res, sessionToken);
    res.redirect(303, `/label.html?project=${encodeURIComponent(projectName)}&crowd=1`);
  });
  return r;
}
