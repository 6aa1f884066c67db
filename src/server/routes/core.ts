import { Router } from 'express';
import { z } from 'zod';
import { StoreError } from '../../core/errors.js';
import { itemHistory } from '../../core/item-history.js';
import { countItems, listItems } from '../../core/items.js';
import { getRun, listRunErrors, listRuns, requestCancel } from '../../core/runs.js';
import { getSource, listSources } from '../../core/sources.js';
import type { Hub } from '../../hub.js';
import { parseInput } from '../validate.js';

const idParam = z.coerce.number().int().positive();
const listQuery = z.object({
  source: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().min(1).optional(),
});

export function healthRouter(hub: Hub): Router {
  const r = Router();
  r.get('/healthz', async (_req, res) => {
    try {
      await hub.store.db.raw('select 1');
    } catch (err) {
      throw new StoreError('store unreachable', err);
    }
    res.json({ status: 'ok', store: hub.store.dialect });
  });
  return r;
}

/** Sources, runs and items: read access plus cancelling runs. */
export function coreApiRouter(hub: Hub): Router {
  const r = Router();
  const db = hub.store.db;

  r.get('/sources', async (_req, res) => {
    res.json({ sources: await listSources(db) });
  });

  r.get('/sources/:name', async (req, res) => {
    const source = await getSource(db, req.params.name);
    res.json({ source, itemCount: await countItems(db, source.id), runs: await listRuns(db, { sourceId: source.id, limit: 20 }) });
  });

  r.get('/runs', async (req, res) => {
    const q = parseInput(listQuery, req.query, 'query');
    const sourceId = q.source ? (await getSource(db, q.source)).id : undefined;
    res.json({ runs: await listRuns(db, { sourceId, limit: q.limit }) });
  });

  r.get('/runs/:id', async (req, res) => {
    const id = parseInput(idParam, req.params.id, 'run id');
    res.json({ run: await getRun(db, id), errors: await listRunErrors(db, id) });
  });

  r.post('/runs/:id/cancel', async (req, res) => {
    const id = parseInput(idParam, req.params.id, 'run id');
    res.json({ run: await requestCancel(db, id) });
  });

  r.get('/items', async (req, res) => {
    const q = parseInput(listQuery, req.query, 'query');
    const sourceId = q.source ? (await getSource(db, q.source)).id : undefined;
    res.json(await listItems(db, { sourceId, limit: q.limit, cursor: q.cursor }));
  });

  r.get('/items/:id/history', async (req, res) => {
    res.json(await itemHistory(db, parseInput(idParam, req.params.id, 'item id')));
  });

  return r;
}
