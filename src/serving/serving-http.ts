import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AuthError, errorMessage, InputError, NotFoundError, TroveError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Prediction } from '../ml/predictor-contract.js';
import { OverloadedError } from './batcher.js';
import type { RawRecord } from './inference-protocol.js';
import type { ModelCatalog, ServedVersion } from './model-catalog.js';
import type { ServingMetrics } from './serving-metrics.js';

/** What a route tells the access log and the metrics about the request it answered. */
export function tagRequest(res: Response, route: string, model?: string): void {
  res.locals.route = route;
  if (model !== undefined) res.locals.model = model;
}

/**
 * Gives every request an id (the caller's X-Request-Id when it sends a sane one), echoes it, and
 * on finish writes one structured log line and the request metrics.
 */
export function requestTracking(log: Logger, metrics: ServingMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const given = req.get('x-request-id');
    const requestId = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = typeof res.locals.route === 'string' ? res.locals.route : 'other';
      // Names that matched no model stay out of the labels, so random URLs cannot grow the metrics.
      const model = typeof res.locals.model === 'string' && res.statusCode !== 404 ? res.locals.model : '';
      metrics.observeRequest(route, model, res.statusCode, seconds);
      const fields = { requestId, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 10000) / 10, route, model: model || undefined };
      if (res.statusCode >= 500) log.warn('request', fields);
      else log.info('request', fields);
    });
    next();
  };
}

/**
 * Optional API key for the prediction routes: `Authorization: Bearer KEY` or `X-API-Key: KEY`.
 * The comparison takes the same time whatever the guess.
 */
export function apiKeyGuard(key: string | undefined): RequestHandler {
  if (!key) return (_req, _res, next) => next();
  const expected = Buffer.from(key);
  return (req, _res, next) => {
    const header = req.get('authorization');
    const given = header?.startsWith('Bearer ') ? header.slice(7) : req.get('x-api-key');
    const candidate = Buffer.from(given ?? '');
    const ok = candidate.length === expected.length && timingSafeEqual(candidate, expected);
    next(ok ? undefined : new AuthError(given ? 'invalid API key' : 'API key required (Authorization: Bearer KEY or X-API-Key)'));
  };
}

/** Serving routes answer errors as both protocols do, `{error: "message"}`, plus a code and the field at fault. */
export function servingErrorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const body = (status: number, code: string, message: string, details?: Record<string, unknown>) =>
      res.status(status).json({ error: message, code, ...details });
    const parserError = err as { type?: string };
    if (parserError.type === 'entity.too.large') return body(413, 'too_large', 'request body is too large');
    if (parserError.type === 'entity.parse.failed') return body(400, 'bad_json', 'request body is not valid JSON');
    if (err instanceof OverloadedError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    if (err instanceof TroveError) {
      if (err.status >= 500 && !(err instanceof OverloadedError)) log.error('request failed', { requestId: res.locals.requestId, error: err.message });
      return body(err.status, err.code, err.message, err.details);
    }
    log.error('unexpected error', { requestId: res.locals.requestId, path: req.path, error: errorMessage(err) });
    return body(500, 'internal', 'internal error');
  };
}

/** `3` → 3; anything but a positive whole number is a 404 (no such version). */
export function parseVersion(model: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text)) throw new NotFoundError(`version of model ${model}`, text);
  return Number(text);
}

export interface PredictionBatch {
  served: ServedVersion;
  predictions: Prediction[];
}

/**
 * Runs the records through the named (or newest) version. A record the model cannot take is a
 * 400 that names it: `locate(index, field)` says where it was in the protocol's own terms.
 */
export async function predictRecords(
  catalog: ModelCatalog,
  model: string,
  version: number | undefined,
  records: RawRecord[],
  locate: (index: number, field: string) => string,
): Promise<PredictionBatch> {
  const served = catalog.resolve(model, version);
  const result = await catalog.predict(served, records);
  if ('problem' in result) {
    const { index, field, reason } = result.problem;
    throw new InputError(`${locate(index, field)}: ${reason}`, { field, index });
  }
  return { served, predictions: result.predictions };
}
