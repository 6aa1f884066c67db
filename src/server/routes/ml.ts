import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.js';
import type { Hub } from '../../hub.js';
import { LINEAGE_FILE, METRICS_FILE, REPORT_FILE, readJsonFile } from '../../ml/artifact.js';
import { checkModelName, describeModel, listModels, modelDir } from '../../ml/model-registry.js';
import { getSnapshot, listSnapshots } from '../../ml/snapshots/snapshot-store.js';
import { reportContentSecurityPolicy } from '../report-csp.js';
import { parseInput } from '../validate.js';

const versionParam = z.coerce.number().int().positive();

/** Snapshots and the model registry, read only: what the models page lists. */
export function mlRouter(hub: Hub): Router {
  const r = Router();
  const db = hub.store.db;
  const dataDir = hub.config.dataDir;

  r.get('/snapshots', async (_req, res) => {
    res.json({ snapshots: await listSnapshots(db) });
  });

  r.get('/snapshots/:name', async (req, res) => {
    res.json({ snapshot: await getSnapshot(db, req.params.name) });
  });

  r.get('/models', (_req, res) => {
    res.json({ models: listModels(dataDir).map(({ dir: _dir, ...m }) => m) });
  });

  r.get('/models/:name/:version', (req, res) => {
    const dir = modelDir(dataDir, checkModelName(req.params.name), parseInput(versionParam, req.params.version, 'version'));
    const { dir: _dir, ...summary } = describeModel(dataDir, req.params.name, Number(req.params.version));
    res.json({ model: summary, lineage: readJsonFile(dir, LINEAGE_FILE), metrics: readJsonFile(dir, METRICS_FILE) });
  });

  // The report is our own static HTML (no script, inline SVG); the page opens it as a document,
  // under a policy of its own since the hub's blocks the report's inline styles.
  r.get('/models/:name/:version/report', (req, res) => {
    const dir = modelDir(dataDir, checkModelName(req.params.name), parseInput(versionParam, req.params.version, 'version'));
    const file = path.join(dir, REPORT_FILE);
    if (!fs.existsSync(file)) throw new NotFoundError('report', `${req.params.name}/${req.params.version}`);
    const html = fs.readFileSync(file, 'utf8');
    res.setHeader('Content-Security-Policy', reportContentSecurityPolicy(html));
    res.type('html').send(html);
  });
  return r;
}
