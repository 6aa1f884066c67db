import { Router } from 'express';
import { z } from 'zod';
import type { Hub } from '../../hub.js';
import { getProject } from '../../labeling/projects.js';
import { listFlags, resolveFlag } from '../../labeling/review-flags.js';
import { currentAuth } from '../auth.js';
import { parseInput } from '../validate.js';

const flagsQuery = z.object({
  resolved: z.enum(['true', 'false']).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
const flagId = z.coerce.number().int().positive();

/** Managers' view of the items a model sent back for review (`trove train --send-to-review`). */
export function reviewFlagsRouter(hub: Hub): Router {
  const r = Router();
  const db = hub.store.db;

  r.get('/projects/:name/flags', async (req, res) => {
    const query = parseInput(flagsQuery, req.query, 'query');
    const project = await getProject(db, String(req.params.name));
    res.json(await listFlags(db, project, { resolved: query.resolved === 'true', before: query.before, limit: query.limit }));
  });

  r.post('/projects/:name/flags/:id/resolve', async (req, res) => {
    const project = await getProject(db, String(req.params.name));
    const flag = await resolveFlag(db, project, parseInput(flagId, req.params.id, 'flag id'), currentAuth(req).user.id);
    res.json({ flag });
  });
  return r;
}
