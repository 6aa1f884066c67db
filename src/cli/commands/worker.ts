import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { withHub } from '../context.js';
import { runUntilInterrupted } from '../interrupt.js';

export function registerWorkerCommands(program: Command): void {
  program
    .command('worker')
    .description('take acquisition jobs from the pg-boss queue (PostgreSQL via DATABASE_URL); Ctrl-C stops cleanly')
    .option('--name <name>', 'how this worker appears on runs (default host:pid)')
    .option('--poll <seconds>', 'how often an idle worker asks for a job (at least 0.5)', parsePoll, 2)
    .action(async (flags: { name?: string; poll: number }, cmd: Command) => {
      await withHub(cmd, async (hub) => {
        if (!hub.config.databaseUrl) {
          throw new InputError('trove worker needs PostgreSQL: set DATABASE_URL (on SQLite, `trove start` runs scheduled sources itself)');
        }
        // Loaded here so that other commands do not pay for pg-boss at start-up.
        const [{ openJobQueue }, { runWorker }] = await Promise.all([import('../../jobs/queue.js'), import('../../jobs/worker.js')]);
        const boss = await openJobQueue(hub.config.databaseUrl, hub.log);
        try {
          await runUntilInterrupted((signal) => runWorker(hub, boss, { signal, name: flags.name, pollingIntervalSeconds: flags.poll }));
        } finally {
          await boss.stop({ graceful: true, wait: true });
        }
      });
    });
}

function parsePoll(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.5) throw new InputError(`--poll must be a number of seconds of at least 0.5, got "${value}"`);
  return n;
}
