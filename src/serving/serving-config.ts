import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import type { BatchingOptions } from './batcher.js';

/** Settings of a model server; flags override the environment (the container sets the environment). */
export interface ServingConfig {
  port: number;
  host: string;
  batching: BatchingOptions;
  /** Largest accepted request body, in bytes; larger bodies get 413. */
  bodyLimitBytes: number;
  pollIntervalMs: number;
  /** How long shutdown waits for in-flight requests before cutting connections. */
  drainTimeoutMs: number;
  /** Name of the environment variable holding the API key; unset or empty means no key is asked. */
  apiKeyEnv: string;
}

export type ServingOverrides = Partial<Omit<ServingConfig, 'batching'>> & Partial<BatchingOptions>;

const int = (min: number) => z.coerce.number().int().min(min);
const envSchema = z.object({
  PORT: int(0).max(65535).optional(),
  TROVE_SERVE_HOST: z.string().min(1).optional(),
  TROVE_SERVE_MAX_BATCH: int(1).optional(),
  TROVE_SERVE_MAX_WAIT_MS: int(0).optional(),
  TROVE_SERVE_MAX_QUEUE: int(1).optional(),
  TROVE_SERVE_BODY_LIMIT: int(1).optional(),
  TROVE_SERVE_POLL_MS: int(0).optional(),
  TROVE_SERVE_DRAIN_MS: int(0).optional(),
  TROVE_SERVE_API_KEY_ENV: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
});

export const DEFAULT_SERVING_PORT = 8501;

export function loadServingConfig(overrides: ServingOverrides = {}, env: NodeJS.ProcessEnv = process.env): ServingConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`environment variable ${String(issue?.path[0])}: ${issue?.message}`);
  }
  const e = parsed.data;
  return {
    port: overrides.port ?? e.PORT ?? DEFAULT_SERVING_PORT,
    host: overrides.host ?? e.TROVE_SERVE_HOST ?? '0.0.0.0',
    batching: {
      maxBatchRows: overrides.maxBatchRows ?? e.TROVE_SERVE_MAX_BATCH ?? 64,
      maxWaitMs: overrides.maxWaitMs ?? e.TROVE_SERVE_MAX_WAIT_MS ?? 2,
      maxQueueRows: overrides.maxQueueRows ?? e.TROVE_SERVE_MAX_QUEUE ?? 2048,
    },
    bodyLimitBytes: overrides.bodyLimitBytes ?? e.TROVE_SERVE_BODY_LIMIT ?? 1024 * 1024,
    pollIntervalMs: overrides.pollIntervalMs ?? e.TROVE_SERVE_POLL_MS ?? 2000,
    drainTimeoutMs: overrides.drainTimeoutMs ?? e.TROVE_SERVE_DRAIN_MS ?? 10_000,
    apiKeyEnv: overrides.apiKeyEnv ?? e.TROVE_SERVE_API_KEY_ENV ?? 'TROVE_SERVE_API_KEY',
  };
}

/** The version in package.json, which the v2 server metadata reports. */
export function troveVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}
