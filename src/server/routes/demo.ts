import { Router } from 'express';
import type { Hub } from '../../hub.js';
import { DEMO_LICENCE, DEMO_PROJECTS, DEMO_SOURCE, setUpDemo } from '../../labeling/demo/demo-project.js';
import { listProjects } from '../../labeling/projects.js';
import { currentAuth } from '../auth.js';

/**
 * GET /api/demo  → {installed, projects, source, licence}
 * POST /api/demo → 201 {projects: [name…], created}  (admin or manager; idempotent: a second call
 *                  only makes the caller a member)
 */
export function demoRouter(hub: Hub): Router {
  const r = Router();
  const names = DEMO_PROJECTS.map((p) => p.name);

  r.get('/demo', async (_req, res) => {
    const existing = new Set((await listProjects(hub.store.db)).map((p) => p.name));
    res.json({ installed: names.every((n) => existing.has(n)), projects: names, source: DEMO_SOURCE, licence: DEMO_LICENCE });
  });

  r.post('/demo', async (req, res) => {
    const setup = await setUpDemo(hub, currentAuth(req).user.name);
    res.status(setup.created ? 201 : 200).json({ projects: setup.projects.map((p) => p.name), created: setup.created });
  });

  return r;
}
