import { Router } from 'express';
import type { Hub } from '../../hub.js';
import { openCrowdSession } from '../../labeling/crowd-link.js';
import { setSessionCookie } from '../auth.js';

/** The public entry of a crowd link: opens a crowd session and sends the worker to the labeling page. */
export function crowdEntryRouter(hub: Hub): Router {
  const r = Router();
  r.get('/crowd/:token', async (req, res) => {
    const { projectName, sessionToken } = await openCrowdSession(hub.store.db, String(req.params.token), req.query as Record<string, unknown>);
    setSessionCookie(req, res, sessionToken);
    res.redirect(303, `/label.html?project=${encodeURIComponent(projectName)}&crowd=1`);
  });
  return r;
}
