import type { ErrorRequestHandler, RequestHandler } from 'express';
import { errorMessage, TroveError } from '../core/errors.js';
import type { Logger } from '../core/log.js';

/** JSON errors: `{error: {code, message, ...details}}` with the status the error carries. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const bodyError = err as { type?: string; status?: number };
    if (bodyError.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'too_large', message: 'request body is too large' } });
      return;
    }
    if (bodyError.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'bad_json', message: 'request body is not valid JSON' } });
      return;
    }
    if (err instanceof TroveError) {
      if (err.status >= 500) log.error('request failed', { error: err.message });
      if (typeof err.details?.retryAfterSeconds === 'number') res.setHeader('Retry-After', String(err.details.retryAfterSeconds));
      res.status(err.status).json({ error: { code: err.code, message: err.message, ...err.details } });
      return;
    }
    log.error('unexpected error', { error: errorMessage(err), stack: (err as Error)?.stack });
    res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: `no route ${req.method} ${req.path}` } });
};
