import type { Command } from 'commander';
import { migrate } from '../../core/store.js';
import { openHub, type Hub } from '../../hub.js';
import { DEFAULT_HOST } from '../../core/config.js';
import { ensureFirstAdmin } from '../../labeling/users.js';
import { globalOptions, output, parseIntOption, withHub } from '../context.js';

export function registerHubCommands(program: Command): void {
  program
    .command('start')
    .description('run the hub: API, web UI and scheduler (env PORT, default 8080)')
    .option('--port <n>', 'port to listen on', parseIntOption('--port'))
    .option('--host <address>', `address to listen on (env TROVE_HOST, default ${DEFAULT_HOST}; 0.0.0.0 for every interface)`)
    .option('--queue', 'hand runs to `trove worker` processes through the pg-boss queue (PostgreSQL)')
    .action(async (flags: { port?: number; host?: string; queue?: boolean }, cmd: Command) => {
      // The server and the scheduler load only here, so every other command starts lighter.
      const [{ startHubJobs, checkQueueStore }, { startServer }] = await Promise.all([import('../../jobs/hub-jobs.js'), import('../../server/serve.js')]);
      const hub = await openHub({ dataDir: globalOptions(cmd).dataDir, port: flags.port, host: flags.host });
      // Refused before anything is written, so a wrong start leaves no admin behind.
      if (flags.queue) await closeOnError(hub, () => checkQueueStore(hub));
      const admin = await ensureFirstAdmin(hub.store.db);
      if (admin?.generatedPassword) process.stderr.write(`created the first admin "${admin.name}" with password ${admin.generatedPassword} (shown once)\n`);
      else if (admin) hub.log.info(`created the first admin "${admin.name}" from TROVE_ADMIN_USER / TROVE_ADMIN_PASSWORD`);
      const jobs = await startHubJobs(hub, { queue: flags.queue }).catch(async (err: unknown) => {
        await hub.close();
        throw err;
      });
      const server = await startServer(hub, hub.config.port, hub.config.host).catch(async (err: unknown) => {
        await jobs.stop();
        await hub.close();
        throw err;
      });
      hub.log.info(`trove hub listening on ${server.url}`, { store: hub.store.location });
      const shutdown = async () => {
        hub.log.info('shutting down');
        await jobs.stop();
        await server.close();
        await hub.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown());
      process.once('SIGTERM', () => void shutdown());
    });

  program
    .command('migrate')
    .description('apply database migrations (start also does)')
    .action(async (_flags: unknown, cmd: Command) => {
      const applied = await withHub(cmd, async (hub) => migrate(hub.store), { migrate: false });
      output(cmd, { applied }, () => (applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date'));
    });
}

async function closeOnError(hub: Hub, check: () => unknown): Promise<void> {
  try {
    check();
  } catch (err) {
    await hub.close();
    throw err;
  }
}
