import type { Command } from 'commander';
import { errorMessage, TroveError } from '../core/errors.js';
import { openHub, type Hub, type OpenHubOptions } from '../hub.js';

export interface GlobalOptions {
  dataDir?: string;
  json?: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** Opens the hub for one command, always closes it. */
export async function withHub<T>(cmd: Command, fn: (hub: Hub) => Promise<T>, opts: OpenHubOptions = {}): Promise<T> {
  const { dataDir } = globalOptions(cmd);
  const hub = await openHub({ dataDir, ...opts });
  try {
    return await fn(hub);
  } finally {
    await hub.close();
  }
}

/** Prints a command's result: one JSON document with --json, else the human form. */
export function output(cmd: Command, data: unknown, human: () => string): void {
  if (globalOptions(cmd).json) process.stdout.write(JSON.stringify(data, null, 2) + '\n');
  else {
    const text = human();
    if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }
}

/** One line on stderr saying what went wrong, no stack trace (TROVE_DEBUG=1 shows it). */
export function reportFailure(err: unknown): number {
  const message = errorMessage(err).split('\n')[0];
  process.stderr.write(`trove: ${message}\n`);
  if (process.env.TROVE_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return err instanceof TroveError && err.status < 500 ? 1 : 2;
}

export function parseIntOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new TroveError(`${name} must be a whole number, got "${value}"`, { status: 400 });
    return n;
  };
}
