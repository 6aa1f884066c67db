import fs from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { listRuns } from '../../core/runs.js';
import { checkSchedule } from '../../core/schedule.js';
import { createSource, getSource, listSources, removeSource, updateSource } from '../../core/sources.js';
import { runSource } from '../../hub.js';
import { setSourceSchedule } from '../../jobs/scheduler.js';
import { output, withHub } from '../context.js';
import { runUntilInterrupted } from '../interrupt.js';
import { progressReporter } from '../progress-bar.js';
import { describeRun } from '../run-output.js';
import { table } from '../table.js';

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${file}: expected a JSON object`);
    return value as Record<string, unknown>;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${file}: invalid JSON (${(err as Error).message})`);
  }
}

export function registerSourcesCommands(program: Command): void {
  const sources = program.command('sources').description('manage sources (where items come from)');

  sources
    .command('add')
    .description('add a source from a JSON config file')
    .argument('<kind>', 'crawl | sql | rest | reddit | rss | file')
    .argument('<name>', 'a name for the source')
    .requiredOption('--config <file>', 'JSON config of the source')
    .option('--schedule <cron>', 'run on a cron schedule, e.g. "0 * * * *"')
    .action(async (kind: string, name: string, flags: { config: string; schedule?: string }, cmd: Command) => {
      const source = await withHub(cmd, async (hub) => {
        const raw = readConfigFile(flags.config);
        const config = hub.kinds.parseConfig(kind, { kind, ...raw }, flags.config) as Record<string, unknown>;
        const schedule = flags.schedule === undefined ? null : checkSchedule(flags.schedule);
        return createSource(hub.store.db, { name, kind, config, schedule });
      });
      output(cmd, source, () => `added ${source.kind} source ${source.name}${source.schedule ? ` (schedule ${source.schedule})` : ''}`);
    });

  sources
    .command('list')
    .description('list sources with item counts and last run')
    .action(async (_flags: unknown, cmd: Command) => {
      const list = await withHub(cmd, (hub) => listSources(hub.store.db));
      output(cmd, list, () =>
        list.length === 0
          ? 'no sources yet: try `trove import FILE --source NAME`'
          : table(
              ['NAME', 'KIND', 'ITEMS', 'SCHEDULE', 'LAST RUN'],
              list.map((s) => [s.name, s.kind, s.itemCount, s.schedule ?? '', s.lastRun ? `${s.lastRun.id} ${s.lastRun.status}` : '']),
            ),
      );
    });

  sources
    .command('show')
    .description('show a source, its config and recent runs')
    .argument('<name>')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const result = await withHub(cmd, async (hub) => {
        const source = await getSource(hub.store.db, name);
        const runs = await listRuns(hub.store.db, { sourceId: source.id, limit: 10 });
        return { ...source, runs };
      });
      output(cmd, result, () =>
        [
          `${result.name} (${result.kind})${result.schedule ? `, schedule ${result.schedule}` : ''}`,
          `config: ${JSON.stringify(result.config)}`,
          ...result.runs.map((r) => `run ${r.id}: ${r.status}, ${r.inserted} inserted, ${r.updated} updated, ${r.failed} failed`),
        ].join('\n'),
      );
    });

  sources
    .command('run')
    .description('run a source now')
    .argument('<name>')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const progress = progressReporter();
      const run = await withHub(cmd, (hub) =>
        runUntilInterrupted((signal) => runSource(hub, name, { signal, onProgress: progress.update })).finally(() => progress.stop()),
      );
      output(cmd, run, () => describeRun(run));
      if (run.status !== 'succeeded') process.exitCode = 1;
    });

  sources
    .command('schedule')
    .description('set a source\'s cron schedule (UTC), or clear it with --clear')
    .argument('<name>')
    .argument('[cron]', 'cron expression, e.g. "0 3 * * *" (every day at 03:00 UTC)')
    .option('--clear', 'remove the schedule')
    .action(async (name: string, cron: string | undefined, flags: { clear?: boolean }, cmd: Command) => {
      if (flags.clear === (cron !== undefined)) throw new InputError('give either a cron expression or --clear');
      const schedule = cron === undefined ? null : checkSchedule(cron);
      const source = await withHub(cmd, async (hub) => {
        const found = await getSource(hub.store.db, name);
        await setSourceSchedule(hub.store.db, found.id, schedule);
        return getSource(hub.store.db, name);
      });
      output(cmd, source, () => (source.schedule ? `${name} runs on schedule ${source.schedule} (UTC)` : `${name} has no schedule`));
    });

  sources
    .command('edit')
    .description('replace a source\'s config with a JSON config file (validated first)')
    .argument('<name>')
    .requiredOption('--config <file>', 'JSON config of the source')
    .action(async (name: string, flags: { config: string }, cmd: Command) => {
      const source = await withHub(cmd, async (hub) => {
        const found = await getSource(hub.store.db, name);
        const config = hub.kinds.parseConfig(found.kind, { ...readConfigFile(flags.config), kind: found.kind }, flags.config) as Record<string, unknown>;
        await hub.kinds.get(found.kind).preflight?.(config, { log: hub.log });
        return updateSource(hub.store.db, name, { config });
      });
      output(cmd, source, () => `updated the config of ${source.name}`);
    });

  sources
    .command('remove')
    .description('remove a source with its runs and items')
    .argument('<name>')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      await withHub(cmd, (hub) => removeSource(hub.store.db, name));
      output(cmd, { removed: name }, () => `removed source ${name}`);
    });
}
