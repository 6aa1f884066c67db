import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/log.js';
import { CONTENT_SECURITY_POLICY } from '../server/security-headers.js';
import { ModelCatalog } from './model-catalog.js';
import type { ModelDiscovery } from './model-discovery.js';
import { troveVersion, type ServingConfig } from './serving-config.js';
import { ServingMetrics } from './serving-metrics.js';
import { servingHandler } from './serving-router.js';

/** The hub's security headers, on every answer of the standalone server too. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

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
  let draining = false;
  const handler = servingHandler({
    catalog,
    metrics,
    log,
    bodyLimitBytes: config.bodyLimitBytes,
    apiKey: opts.apiKey,
    serverVersion: troveVersion(),
    baseHeaders: SECURITY_HEADERS,
    // An answer sent during shutdown closes its keep-alive connection, so the drain does not wait on idle clients.
    closing: () => draining,
  });
  let server: Server;
  try {
    server = await listen(http.createServer((req, res) => handler(req, res)), config.port, config.host);
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

function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
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
