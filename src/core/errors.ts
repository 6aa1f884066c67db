/**
 * Typed errors. Every error a user can cause carries a one-line message saying what and where;
 * the CLI prints it and exits non-zero, the HTTP layer maps `status` to the response code.
 */
export class TroveError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, opts: { status?: number; code?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.status = opts.status ?? 500;
    this.code = opts.code ?? 'internal';
    this.details = opts.details;
  }
}

/** Bad input from a user: flags, config files, request bodies, imported files. */
export class InputError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { status: 400, code: 'bad_input', details });
  }
}

/** Input that parses but breaks a rule of the domain (a label outside the schema, overlapping spans). */
export class UnprocessableError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { status: 422, code: 'unprocessable', details });
  }
}

export class NotFoundError extends TroveError {
  constructor(what: string, name: string | number) {
    super(`${what} not found: ${name}`, { status: 404, code: 'not_found', details: { what, name } });
  }
}

export class ConflictError extends TroveError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { status: 409, code: 'conflict', details });
  }
}

export class AuthError extends TroveError {
  constructor(message = 'authentication required') {
    super(message, { status: 401, code: 'unauthenticated' });
  }
}

export class ForbiddenError extends TroveError {
  constructor(message = 'forbidden') {
    super(message, { status: 403, code: 'forbidden' });
  }
}

/** The store (database or data directory) cannot be reached or written. */
export class StoreError extends TroveError {
  constructor(message: string, cause?: unknown) {
    super(message, { status: 503, code: 'store_unavailable', cause });
  }
}

/** A remote server (site, API, database) failed; `transient` marks errors worth retrying. */
export class RemoteError extends TroveError {
  readonly transient: boolean;
  /** The remote's HTTP status, when it answered with one. */
  readonly remoteStatus?: number;
  constructor(message: string, opts: { transient?: boolean; status?: number; cause?: unknown } = {}) {
    super(message, { status: 502, code: 'remote_failed', cause: opts.cause });
    this.transient = opts.transient ?? false;
    this.remoteStatus = opts.status;
  }
}

/** A refused login (401/403) with a hint of which variable to check; other errors pass unchanged. */
export function withCredentialHint(err: unknown, hint: string): unknown {
  if (!(err instanceof RemoteError) || (err.remoteStatus !== 401 && err.remoteStatus !== 403)) return err;
  return new RemoteError(`${err.message}: ${hint}`, { status: err.remoteStatus, cause: err });
}

/** A run was stopped by a cancel request. */
export class CancelledError extends TroveError {
  constructor(message = 'cancelled') {
    super(message, { status: 409, code: 'cancelled' });
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
