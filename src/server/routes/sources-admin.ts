import { Router } from 'express';
import { z } from 'zod';
import { checkLocalPath } from '../../connectors/local-paths.js';
import { ConflictError } from '../../core/errors.js';
import { getRun, listRunErrors, queueRun } from '../../core/runs.js';
import { listParticipants } from '../../core/run-workers.js';
import { checkSchedule } from '../../core/schedule.js';
import { checkSourceName, createSource, getSource, removeSource, updateSource } from '../../core/sources.js';
import type { Hub } from '../../hub.js';
import { hubDispatcher } from '../../jobs/dispatcher.js';
import { setSourceSchedule } from '../../jobs/scheduler.js';
import { parseInput } from '../validate.js';

const schedule = z.string().trim().min(1).max(200).nullable();
const newSourceBody = z
  .object({
    kind: z.string().min(1).max(40),
    name: z.string().min(1).max(200),
    config: z.record(z.string(), z.unknown()),
    schedule: schedule.optional(),
  })
  .strict();
const sourcePatchBody = z
  .object({
    config: z.record(z.string(), z.unknown()).optional(),
    schedule: schedule.optional(),
  })
  .strict();
const idParam = z.coerce.number().int().positive();
const nameParam = z.string().min(1);
const errorsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() });

/**
 * Managing sources from the web UI and scripts: add, edit, schedule, remove, run now; a run's
 * errors and workers (admins and managers: src/server/access.ts).
 */
export function sourcesAdminRouter(hub: Hub): Router {
  const r = Router();
  const db = hub.store.db;

  /**
   * Validates a config against its kind and runs the kind's own I/O checks, before anything is
   * stored. Local files it names must lie under the operator's import roots.
   */
  const checkedConfig = async (kind: string, config: Record<string, unknown>, where: string) => {
    const parsed = hub.kinds.parseConfig(kind, { ...config, kind }, where) as Record<string, unknown>;
    const roots = { roots: hub.config.importRoots, dataDir: hub.config.dataDir };
    for (const local of hub.kinds.get(kind).localPaths?.(parsed) ?? []) checkLocalPath(local.path, `${where}: field ${local.field}`, roots);
    await hub.kinds.get(kind).preflight?.(parsed, { log: hub.log });
    return parsed;
  };

  r.get('/source-kinds', (_req, res) => {
    res.json({ kinds: hub.kinds.names().map((name) => ({ name, description: hub.kinds.get(name).description })) });
  });

  r.post('/sources', async (req, res) => {
    const body = parseInput(newSourceBody, req.body, 'body');
    checkSourceName(body.name);
    const config = await checkedConfig(body.kind, body.config, 'config');
    const cron = body.schedule ? checkSchedule(body.schedule) : null;
    const source = await createSource(db, { name: body.name, kind: body.kind, config, schedule: cron });
    res.status(201).json({ source });
  });

  r.patch('/sources/:name', async (req, res) => {
    const body = parseInput(sourcePatchBody, req.body, 'body');
    let source = await getSource(db, parseInput(nameParam, req.params.name, 'source name'));
    if (body.config !== undefined) {
      source = await updateSource(db, source.name, { config: await checkedConfig(source.kind, body.config, 'config') });
    }
    if (body.schedule !== undefined) {
      await setSourceSchedule(db, source.id, body.schedule === null ? null : checkSchedule(body.schedule));
      source = await getSource(db, source.name);
    }
    res.json({ source });
  });

  r.delete('/sources/:name', async (req, res) => {
    const source = await getSource(db, parseInput(nameParam, req.params.name, 'source name'));
    const active = await db('runs').where({ source_id: source.id }).whereIn('status', ['queued', 'running']).first('id');
    if (active) throw new ConflictError(`source ${source.name} has an active run (run ${active.id}); cancel it first`, { runId: active.id });
    await removeSource(db, source.name);
    res.status(204).end();
  });

  r.post('/sources/:name/run', async (req, res) => {
    const source = await getSource(db, parseInput(nameParam, req.params.name, 'source name'));
    const runId = await queueRun(db, source.id, 'api');
    await hubDispatcher(hub).dispatch(runId);
    res.status(202).json({ run: await getRun(db, runId) });
  });

  r.get('/runs/:id/errors', async (req, res) => {
    const id = parseInput(idParam, req.params.id, 'run id');
    const q = parseInput(errorsQuery, req.query, 'query');
    await getRun(db, id);
    res.json({ errors: await listRunErrors(db, id, q.limit ?? 200) });
  });

  r.get('/runs/:id/workers', async (req, res) => {
    const id = parseInput(idParam, req.params.id, 'run id');
    await getRun(db, id);
    res.json({ workers: await listParticipants(db, id) });
  });

  return r;
}
