import fs from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Hub } from '../hub.js';
import { authRouter, requireAuth } from './auth.js';
import { coreApiRouter, healthRouter } from './routes/core.js';
import { sourcesAdminRouter } from './routes/sources-admin.js';
import { crowdEntryRouter } from './routes/crowd.js';
import { labelingRouter } from './routes/labeling.js';
import { usersRouter } from './routes/users.js';
import { demoRouter } from './routes/demo.js';
import { imageProxyRouter } from './routes/image-proxy.js';
import { mlRouter } from './routes/ml.js';
import { reviewFlagsRouter } from './routes/review-flags.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { securityHeaders } from './security-headers.js';
import { hubServingRouter } from '../serving/hub-serving.js';
import { packageRoot } from '../core/package-root.js';

const webDist = path.join(packageRoot, 'web', 'dist');

/** The hub's HTTP face: JSON API under /api, health at /healthz, the web UI build at /. */
export function createApp(hub: Hub): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders);
  app.use(express.json({ limit: '1mb' }));
  app.use(healthRouter(hub));
  app.use(crowdEntryRouter(hub));
  app.use('/api', authRouter(hub));
  app.use('/api', requireAuth(hub));
  app.use('/api', labelingRouter(hub));
  app.use('/api', reviewFlagsRouter(hub));
  app.use('/api', usersRouter(hub));
  app.use('/api', coreApiRouter(hub));
  app.use('/api', sourcesAdminRouter(hub));
  app.use('/api', imageProxyRouter(hub));
  app.use('/api', demoRouter(hub));
  app.use('/api', mlRouter(hub));
  app.use('/api/serving', hubServingRouter(hub));
  app.use('/api', notFoundHandler);
  if (fs.existsSync(webDist)) {
    app.use(express.static(webDist, { index: 'index.html' }));
    app.get('/{*path}', (_req, res) => res.sendFile(path.join(webDist, 'index.html')));
  }
  app.use(notFoundHandler);
  app.use(errorHandler(hub.log));
  return app;
}
