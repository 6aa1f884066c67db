import type { Command } from 'commander';
import { failStaleRuns, getRun, listRunErrors, listRuns, requestCancel } from '../../core/runs.js';
import { getSource } from '../../core/sources.js';
import { output, parseIntOption, withHub } from '../context.js';
import { describeRun, runsTable } from '../run-output.js';

export function registerRunsCommands(program: Command): void {
  const runs = program.command('runs').description('inspect and cancel runs');

  runs
    .command('list')
    .description('list recent runs, newest first')
    .option('--source <name>', 'only runs of this source')
    .option('--limit <n>', 'how many', parseIntOption('--limit'), 20)
    .action(async (flags: { source?: string; limit: number }, cmd: Command) => {
      const list = await withHub(cmd, async (hub) => {
        const sourceId = flags.source ? (await getSource(hub.store.db, flags.source)).id : undefined;
        // A run whose process was killed shows as failed, not running, before anything starts again.
        await failStaleRuns(hub.store.db, sourceId);
        return listRuns(hub.store.db, { sourceId, limit: flags.limit });
      });
      output(cmd, list, () => (list.length ? runsTable(list) : 'no runs yet'));
    });

  runs
    .command('show')
    .description('show a run: status, counts, progress and its errors')
    .argument('<id>', 'run id', parseIntOption('run id'))
    .action(async (id: number, _flags: unknown, cmd: Command) => {
      const result = await withHub(cmd, async (hub) => {
        await failStaleRuns(hub.store.db, (await getRun(hub.store.db, id)).sourceId);
        return { ...(await getRun(hub.store.db, id)), errors: await listRunErrors(hub.store.db, id) };
      });
      output(cmd, result, () => describeRun(result, result.errors));
    });

  runs
    .command('cancel')
    .description('stop a queued or running run (it keeps what it stored and its checkpoint)')
    .argument('<id>', 'run id', parseIntOption('run id'))
    .action(async (id: number, _flags: unknown, cmd: Command) => {
      const run = await withHub(cmd, (hub) => requestCancel(hub.store.db, id));
      output(cmd, run, () => (run.status === 'cancelled' ? `run ${id} cancelled` : `run ${id}: cancel requested`));
    });
}
