import path from 'node:path';
import { z } from 'zod';
import { InputError } from './errors.js';

/**
 * The one place that reads Trove's environment. Flags given on the command line override it.
 */
export interface TroveConfig {
  dataDir: string;
  /** PostgreSQL URL; absent means the embedded SQLite store in `dataDir`. */
  databaseUrl?: string;
  port: number;
  /** The address the hub listens on: loopback unless told otherwise. */
  host: string;
  logLevel: LogLevel;
  /** Lets the image proxy fetch from loopback and private networks (off: scraped URLs must not reach internal hosts). */
  imageProxyAllowPrivate: boolean;
  /**
   * Which peers are proxies whose X-Forwarded-* headers are believed (Express's `trust proxy`:
   * `loopback`, addresses, subnets, or a hop count); false: none, the socket's peer is the client.
   */
  trustProxy: string | number | false;
  /** The hub's address as browsers reach it (crowd links are built from it), without a trailing slash. */
  publicUrl?: string;
  /** Folders under which sources made over the API may read local files (none by default). */
  importRoots: string[];
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const envSchema = z.object({
  TROVE_DATA_DIR: z.string().min(1).optional(),
  DATABASE_URL: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  TROVE_HOST: z.string().min(1).optional(),
  TROVE_LOG_LEVEL: z.enum(LOG_LEVELS).optional(),
  TROVE_IMAGE_PROXY_ALLOW_PRIVATE: z.enum(['0', '1', 'true', 'false']).optional(),
  TROVE_TRUST_PROXY: z
    .string()
    .regex(/^(?:\d+|[\w.:/]+(?:\s*,\s*[\w.:/]+)*)$/, 'use loopback, addresses or subnets separated by commas, or a number of hops')
    .refine((v) => v !== 'true', 'trusting every peer lets any client pick its own address: name the proxy')
    .optional(),
  TROVE_PUBLIC_URL: z.string().url().regex(/^https?:\/\//, 'use an http(s) URL').optional(),
  TROVE_IMPORT_ROOTS: z.string().optional(),
});

export interface ConfigOverrides {
  dataDir?: string;
  databaseUrl?: string;
  port?: number;
  host?: string;
  logLevel?: LogLevel;
  imageProxyAllowPrivate?: boolean;
  trustProxy?: string | number | false;
  publicUrl?: string;
  importRoots?: string[];
}

export const DEFAULT_HOST = '127.0.0.1';

export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): TroveConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`environment variable ${String(issue?.path[0])}: ${issue?.message}`);
  }
  const e = parsed.data;
  const databaseUrl = overrides.databaseUrl ?? e.DATABASE_URL;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new InputError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  return {
    dataDir: path.resolve(overrides.dataDir ?? e.TROVE_DATA_DIR ?? './data'),
    databaseUrl,
    port: overrides.port ?? e.PORT ?? 8080,
    host: overrides.host ?? e.TROVE_HOST ?? DEFAULT_HOST,
    logLevel: overrides.logLevel ?? e.TROVE_LOG_LEVEL ?? 'info',
    imageProxyAllowPrivate: overrides.imageProxyAllowPrivate ?? (e.TROVE_IMAGE_PROXY_ALLOW_PRIVATE === '1' || e.TROVE_IMAGE_PROXY_ALLOW_PRIVATE === 'true'),
    trustProxy: overrides.trustProxy ?? (e.TROVE_TRUST_PROXY === undefined ? false : /^\d+$/.test(e.TROVE_TRUST_PROXY) ? Number(e.TROVE_TRUST_PROXY) : e.TROVE_TRUST_PROXY),
    publicUrl: (overrides.publicUrl ?? e.TROVE_PUBLIC_URL)?.replace(/\/+$/, ''),
    importRoots: (overrides.importRoots ?? (e.TROVE_IMPORT_ROOTS ?? '').split(path.delimiter)).filter(Boolean).map((root) => path.resolve(root)),
  };
}

/** A URL safe to print: the password (if any) replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
