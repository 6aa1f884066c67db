import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import type { Hub } from '../hub.js';
import { applyAccessRule } from './access.js';
import { authRouter, requireAuth } from './auth.js';
import { requestTextGuard, verifyUtf8Body } from './request-text.js';
import { coreApiRouter, healthRouter } from './routes/core.js';
import { sourcesAdminRouter } from './routes/sources-admin.js';
import { crowdEntryRouter } from './routes/crowd.js';
import { labelingRouter } from './routes/labeling.js';
import { usersRouter } from './routes/users.js';
import { demoRouter } from './routes/demo.js';
import { imageProxyRouter } from './routes/image-proxy.js';
import { mlRouter } from './routes/ml.js';
import { reviewFlagsRouter } from './routes/review-flags.js';
import { errorHandler, JSON_BODY_LIMIT_BYTES, notFoundHandler } from './errors.js';
import { securityHeaders } from './security-headers.js';
import { hubServingRouter } from '../serving/hub-serving.js';
import { packageRoot } from '../core/package-root.js';

const webDist = path.join(packageRoot, 'web', 'dist');

/**
 * The hub's HTTP face: JSON API under /api, health at /healthz, the web UI build at /. Who may
 * call each route is decided in one place, src/server/access.ts.
 */
export function createApp(hub: Hub): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', hub.config.trustProxy);
  app.use(securityHeaders);
  app.use(express.json({ limit: JSON_BODY_LIMIT_BYTES, verify: verifyUtf8Body }));
  app.use(requestTextGuard);
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
    if (process.env.NODE_ENV === 'production') app.use(refuseSourceMaps);
    app.use(express.static(webDist, { index: 'index.html' }));
    app.get('/{*path}', (_req, res) => res.sendFile(path.join(webDist, 'index.html')));
  }
  app.use(notFoundHandler);
  app.use(errorHandler(hub.log));
  applyAccessRule(app, hub);
  return app;
}

// The bundles' source maps help while developing; a production hub does not hand out its sources.
const refuseSourceMaps: RequestHandler = (req, res, next) => (req.path.endsWith('.map') ? notFoundHandler(req, res, next) : next());
