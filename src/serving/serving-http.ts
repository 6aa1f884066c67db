import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AuthError, errorMessage, InputError, NotFoundError, TroveError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { OverloadedError } from './batcher.js';
import type { RawRecord } from './inference-protocol.js';
import type { ModelCatalog, ServedVersion } from './model-catalog.js';

/** What a route answers: the status, the body text, and headers beyond the usual ones. */
export interface Reply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export function jsonReply(value: unknown, status = 200, headers?: Record<string, string>): Reply {
  return { status, body: JSON.stringify(value), headers };
}

/** One request as the access log and the metrics see it; routes fill in `route` and `model`. */
export class RequestContext {
  readonly started = process.hrtime.bigint();
  readonly requestId: string;
  route = 'other';
  model = '';

  constructor(req: IncomingMessage) {
    const given = req.headers['x-request-id'];
    this.requestId = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  }

  tag(route: string, model?: string): void {
    this.route = route;
    if (model !== undefined) this.model = model;
  }

  get seconds(): number {
    return Number(process.hrtime.bigint() - this.started) / 1e9;
  }
}

/**
 * Optional API key for the prediction routes: `Authorization: Bearer KEY` or `X-API-Key: KEY`;
 * either one matching is enough (in the hub the bearer is the hub's own token and the key comes
 * as X-API-Key). The comparison takes the same time whatever the guess.
 */
export function apiKeyCheck(key: string | undefined): (req: IncomingMessage) => void {
  if (!key) return () => undefined;
  const expected = Buffer.from(key);
  const matches = (given: string | undefined) => {
    const candidate = Buffer.from(given ?? '');
    return given !== undefined && candidate.length === expected.length && timingSafeEqual(candidate, expected);
  };
  return (req) => {
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    const apiKeyHeader = typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : undefined;
    if (matches(apiKeyHeader) || matches(bearer)) return;
    throw new AuthError(bearer || apiKeyHeader ? 'invalid API key' : 'API key required (Authorization: Bearer KEY or X-API-Key)');
  };
}

/** The body is larger than the server takes (413). */
export class BodyTooLargeError extends TroveError {
  constructor(limitBytes: number) {
    super(`request body is too large (limit ${limitBytes} bytes)`, { status: 413, code: 'too_large' });
  }
}

/**
 * The request body as JSON, read as raw bytes up to `limitBytes` (413 past it, told by
 * Content-Length before reading when the client sends one) and parsed once; no body is undefined.
 * Past the limit the rest of the upload is read and dropped, so the 413 reaches the client.
 */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  if (Number(req.headers['content-length']) > limitBytes) return Promise.reject(new BodyTooLargeError(limitBytes));
  if (req.readableEnded) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      const refused = size > limitBytes;
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
      else if (!refused) {
        chunks.length = 0;
        reject(new BodyTooLargeError(limitBytes));
      }
    });
    req.once('error', reject);
    req.once('end', () => {
      if (size > limitBytes) return;
      try {
        resolve(size === 0 ? undefined : parseJson(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw new TroveError('request body is not valid JSON', { status: 400, code: 'bad_json', cause: err });
  }
}

/** Serving routes answer errors as both protocols do, `{error: "message"}`, plus a code and the field at fault. */
export function errorReply(err: unknown, ctx: RequestContext, path: string, log: Logger): Reply {
  if (err instanceof TroveError) {
    const overloaded = err instanceof OverloadedError;
    if (err.status >= 500 && !overloaded) log.error('request failed', { requestId: ctx.requestId, error: err.message });
    const headers = overloaded ? { 'Retry-After': String(err.retryAfterSeconds) } : undefined;
    return jsonReply({ error: err.message, code: err.code, ...err.details }, err.status, headers);
  }
  log.error('unexpected error', { requestId: ctx.requestId, path, error: errorMessage(err) });
  return jsonReply({ error: 'internal error', code: 'internal' }, 500);
}

/** `3` → 3; anything but a positive whole number is a 404 (no such version). */
export function parseVersion(model: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text)) throw new NotFoundError(`version of model ${model}`, text);
  return Number(text);
}

export interface PredictionBatch {
  served: ServedVersion;
  /** Row-major class probabilities, one row per record. */
  probabilities: Float32Array;
}

/**
 * Runs the records through the named (or newest) version. A record the model cannot take is a
 * 400 that names it: `locate(index, field)` says where it was in the protocol's own terms.
 */
export async function predictRecords(
  catalog: ModelCatalog,
  served: ServedVersion,
  records: RawRecord[],
  locate: (index: number, field: string) => string,
): Promise<PredictionBatch> {
  const encoded = served.encoder.encode(records);
  if ('problem' in encoded) {
    const { index, field, reason } = encoded.problem;
    throw new InputError(`${locate(index, field)}: ${reason}`, { field, index });
  }
  return { served, probabilities: await catalog.predict(served, encoded.rows) };
}
