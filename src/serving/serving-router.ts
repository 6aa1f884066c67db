import express, { Router } from 'express';
import type { Logger } from '../core/log.js';
import type { ModelCatalog } from './model-catalog.js';
import { openInferenceRoutes } from './open-inference-routes.js';
import { apiKeyGuard, requestTracking, servingErrorHandler, tagRequest } from './serving-http.js';
import type { ServingMetrics } from './serving-metrics.js';
import { tfServingRoutes } from './tf-serving-routes.js';

export interface ServingRouterOptions {
  catalog: ModelCatalog;
  metrics: ServingMetrics;
  log: Logger;
  bodyLimitBytes: number;
  /** When set, the prediction routes (every POST) ask for it; status, metadata, health and metrics stay open. */
  apiKey?: string;
  serverVersion: string;
}

/** Both protocols, the Prometheus metrics and protocol-shaped errors, over one model catalog. */
export function servingRouter(opts: ServingRouterOptions): Router {
  const r = Router();
  const guard = apiKeyGuard(opts.apiKey);
  r.use(requestTracking(opts.log, opts.metrics));
  r.post(['/v1/models/*path', '/v2/models/*path'], guard);
  r.use(express.json({ limit: opts.bodyLimitBytes }));
  r.get('/metrics', async (_req, res) => {
    tagRequest(res, 'metrics');
    const { contentType, body } = await opts.metrics.render();
    res.type(contentType).send(body);
  });
  r.get('/v1/models', (_req, res) => {
    tagRequest(res, 'v1_list');
    res.json({ models: opts.catalog.modelNames().map((name) => ({ name, versions: opts.catalog.versions(name).map((v) => v.version) })) });
  });
  r.use(tfServingRoutes(opts.catalog));
  r.use(openInferenceRoutes(opts.catalog, opts.serverVersion));
  r.use((req, res) => {
    tagRequest(res, 'unknown');
    res.status(404).json({ error: `no route ${req.method} ${req.path}`, code: 'not_found' });
  });
  r.use(servingErrorHandler(opts.log));
  return r;
}
