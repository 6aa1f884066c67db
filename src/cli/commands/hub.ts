import type { Command } from 'commander';
import { migrate } from '../../core/store.js';
import { openHub } from '../../hub.js';
import { startServer } from '../../server/serve.js';
import { globalOptions, output, parseIntOption, withHub } from '../context.js';

export function registerHubCommands(program: Command): void {
  program
    .command('start')
    .description('run the hub: API, web UI and scheduler (env PORT, default 8080)')
    .option('--port <n>', 'port to listen on', parseIntOption('--port'))
    .action(async (flags: { port?: number }, cmd: Command) => {
      const hub = await openHub({ dataDir: globalOptions(cmd).dataDir, port: flags.port });
      const server = await startServer(hub, hub.config.port);
      hub.log.info(`trove hub listening on http://localhost:${server.port}`, { store: hub.store.location });
      const shutdown = async () => {
        hub.log.info('shutting down');
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
