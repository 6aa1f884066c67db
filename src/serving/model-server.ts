import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from '../core/log.js';
import { securityHeaders } from '../server/security-headers.js';
import { ModelCatalog } from './model-catalog.js';
import type { ModelDiscovery } from './model-discovery.js';
import { troveVersion, type ServingConfig } from './serving-config.js';
import { ServingMetrics } from './serving-metrics.js';
import { servingRouter } from './serving-router.js';

export interface RunningModelServer {
  url: string;
  port: number;
  catalog: ModelCatalog;
  /** Graceful: readiness turns 503, new connections are refused, in-flight requests finish, then the models go. */
  close(): Promise<void>;
}

export interface ModelServerOptions {
  config: ServingConfig;
  log: Logger;
  apiKey?: string;
}

/** Loads every version the discovery finds (refusing to start on a broken one), then listens. */
export async function startModelServer(discovery: ModelDiscovery, opts: ModelServerOptions): Promise<RunningModelServer> {
  const { config, log } = opts;
  const metrics = new ServingMetrics();
  const catalog = await ModelCatalog.open(
    discovery,
    { batching: config.batching, pollIntervalMs: config.pollIntervalMs, strict: true },
    metrics,
    log,
  );
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);
  let draining = false;
  app.use((_req, res, next) => {
    if (draining) res.setHeader('Connection', 'close');
    // A keep-alive connection whose last request finishes during shutdown is idle now: let it go.
    res.on('finish', () => draining && setImmediate(() => server.closeIdleConnections()));
    next();
  });
  app.use(servingRouter({ catalog, metrics, log, bodyLimitBytes: config.bodyLimitBytes, apiKey: opts.apiKey, serverVersion: troveVersion() }));
  let server: Server;
  try {
    server = await listen(app, config.port, config.host);
  } catch (err) {
    await catalog.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = async () => {
    draining = true;
    catalog.stopAccepting();
    await closeServer(server, config.drainTimeoutMs);
    await catalog.close();
  };
  return { url: `http://127.0.0.1:${port}`, port, catalog, close: () => (closing ??= close()) };
}

function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
}

/** Stops taking connections, closes idle ones, and cuts the rest only after the drain timeout. */
function closeServer(server: Server, drainTimeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
    timer.unref();
    server.close((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
