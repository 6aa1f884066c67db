import type { LogLevel } from './config.js';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

/**
 * Structured logging to stderr (stdout belongs to `--json` output). Values registered as secrets
 * are masked in every line, whatever field or message they end up in.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  json?: boolean;
  write?: (line: string) => void;
  secrets?: SecretSet;
}

/** Strings that must never be printed: passwords and tokens read from the environment. */
export class SecretSet {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (value && value.length >= 4) this.values.add(value);
  }

  mask(text: string): string {
    let out = text;
    for (const v of this.values) out = out.split(v).join('***');
    return out;
  }
}

export const processSecrets = new SecretSet();

export function createLogger(opts: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const threshold = RANK[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const secrets = opts.secrets ?? processSecrets;
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < threshold) return;
    const all = { ...bound, ...fields };
    const line = opts.json
      ? JSON.stringify({ time: new Date().toISOString(), level, msg, ...all })
      : `${level.padEnd(5)} ${msg}${formatFields(all)}`;
    write(secrets.mask(line));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(opts, { ...bound, ...fields }),
  };
}

function formatFields(fields: LogFields): string {
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length ? ' ' + parts.join(' ') : '';
}

export const silentLogger: Logger = createLogger({ level: 'silent' });
