import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Router } from 'express';
import type { Hub } from '../hub.js';
import { processSecrets } from '../core/log.js';
import { modelsRoot } from '../ml/model-registry.js';
import { ModelCatalog } from './model-catalog.js';
import { registryDiscovery } from './model-discovery.js';
import { loadServingConfig, troveVersion } from './serving-config.js';
import { ServingMetrics } from './serving-metrics.js';
import { servingHandler, type ServingHandler } from './serving-router.js';

/**
 * The hub's model server, mounted under /api/serving: the same protocols as `trove serve-model`
 * over every `<data-dir>/models/<NAME>/<VERSION>/` the registry holds. The models load on the
 * first request, so a hub that serves none pays nothing for it.
 */
export function hubServingRouter(hub: Hub): Router {
  let handler: Promise<ServingHandler> | undefined;
  const open = async (httpServer: Server | undefined): Promise<ServingHandler> => {
    const config = loadServingConfig();
    const apiKey = process.env[config.apiKeyEnv] || undefined;
    processSecrets.add(apiKey);
    const metrics = new ServingMetrics();
    const log = hub.log.child({ component: 'serving' });
    const catalog = await ModelCatalog.open(
      registryDiscovery(modelsRoot(hub.config.dataDir)),
      { batching: config.batching, pollIntervalMs: config.pollIntervalMs, strict: false },
      metrics,
      log,
    );
    // The models live as long as the HTTP server that serves them: its close unloads them.
    httpServer?.once('close', () => void catalog.close());
    return servingHandler({ catalog, metrics, log, bodyLimitBytes: config.bodyLimitBytes, apiKey, serverVersion: troveVersion() });
  };
  const r = Router();
  // The hub's own JSON parser has read the body of a JSON request already: the handler takes it as is.
  r.all('/{*path}', async (req, res) => {
    handler ??= open((req.socket as Socket & { server?: Server }).server).catch((err: unknown) => {
      handler = undefined;
      throw err;
    });
    (await handler)(req, res, req.body);
  });
  return r;
}
