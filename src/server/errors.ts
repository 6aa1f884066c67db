import type { ErrorRequestHandler, RequestHandler } from 'express';
import { errorMessage, TroveError } from '../core/errors.js';
import type { Logger } from '../core/log.js';

/** The largest JSON request body the hub reads, counted after any Content-Encoding is undone. */
export const JSON_BODY_LIMIT_BYTES = 1 << 20;

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  message?: string;
}

/** The answer to a request the body parser refused, or undefined for any other error. */
function bodyParserAnswer(err: BodyParserError): { status: number; code: string; message: string } | undefined {
  if (err.type === 'entity.too.large') {
    return { status: 413, code: 'too_large', message: `request body is over the ${JSON_BODY_LIMIT_BYTES / (1 << 20)} MiB limit (counted after decompression)` };
  }
  if (err.type === 'entity.parse.failed') return { status: 400, code: 'bad_json', message: 'request body is not valid JSON' };
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') {
    return { status: 415, code: 'unsupported_encoding', message: `${err.message}; send UTF-8 JSON, plain or with gzip, deflate or br` };
  }
  // The parser's other refusals (an aborted upload, a Content-Length that does not match) are the client's.
  if (err.type !== undefined && err.expose === true && typeof err.status === 'number' && err.status < 500) {
    return { status: err.status, code: 'bad_request', message: err.message ?? 'bad request body' };
  }
  return undefined;
}

/** JSON errors: `{error: {code, message, ...details}}` with the status the error carries. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const refused = err instanceof TroveError ? undefined : bodyParserAnswer(err as BodyParserError);
    if (refused) {
      res.status(refused.status).json({ error: { code: refused.code, message: refused.message } });
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
