import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { createLogger, processSecrets } from '../../core/log.js';
import { modelFolderDiscovery } from '../../serving/model-discovery.js';
import { startModelServer } from '../../serving/model-server.js';
import { DEFAULT_SERVING_PORT, loadServingConfig } from '../../serving/serving-config.js';
import { parseIntOption } from '../context.js';

interface ServeModelFlags {
  port?: number;
  host?: string;
  name?: string;
  maxBatch?: number;
  maxWaitMs?: number;
  maxQueue?: number;
  batching: boolean;
  bodyLimit?: number;
  pollMs?: number;
  apiKeyEnv?: string;
}

export function registerServeModelCommand(program: Command): void {
  program
    .command('serve-model')
    .description('serve a trained model over HTTP (TensorFlow Serving REST and KServe v2 protocols)')
    .argument('<dir>', "one model's folder holding version subfolders (1, 2, …), or a single model artifact folder")
    .option('--port <n>', `port to listen on (env PORT, default ${DEFAULT_SERVING_PORT})`, parseIntOption('--port'))
    .option('--host <addr>', 'address to listen on (env TROVE_SERVE_HOST, default 0.0.0.0)')
    .option('--name <name>', 'model name in URLs (default: the folder name)')
    .option('--max-batch <rows>', 'rows per tensor call (env TROVE_SERVE_MAX_BATCH, default 64)', parseIntOption('--max-batch'))
    .option('--max-wait-ms <ms>', 'longest wait for a batch to fill (env TROVE_SERVE_MAX_WAIT_MS, default 2)', parseIntOption('--max-wait-ms'))
    .option('--max-queue <rows>', 'rows allowed to wait before 503 (env TROVE_SERVE_MAX_QUEUE, default 2048)', parseIntOption('--max-queue'))
    .option('--no-batching', 'one tensor call per request')
    .option('--body-limit <bytes>', 'largest request body (env TROVE_SERVE_BODY_LIMIT, default 1048576)', parseIntOption('--body-limit'))
    .option('--poll-ms <ms>', 'rescan for new versions this often, 0 = watcher only (env TROVE_SERVE_POLL_MS, default 2000)', parseIntOption('--poll-ms'))
    .option('--api-key-env <var>', 'environment variable holding the API key for prediction routes (default TROVE_SERVE_API_KEY)')
    .action(async (dir: string, flags: ServeModelFlags) => {
      const config = loadServingConfig({
        port: flags.port,
        host: flags.host,
        maxBatchRows: flags.batching ? flags.maxBatch : 1,
        maxWaitMs: flags.batching ? flags.maxWaitMs : 0,
        maxQueueRows: flags.maxQueue,
        bodyLimitBytes: flags.bodyLimit,
        pollIntervalMs: flags.pollMs,
        apiKeyEnv: flags.apiKeyEnv,
      });
      const apiKey = process.env[config.apiKeyEnv] || undefined;
      processSecrets.add(apiKey);
      const log = createLogger({ level: loadConfig().logLevel, json: true });
      const server = await startModelServer(modelFolderDiscovery(dir, flags.name), { config, log, apiKey });
      log.info('model server listening', {
        url: `http://${config.host}:${server.port}`,
        models: server.catalog.modelNames().map((m) => ({ name: m, versions: server.catalog.versions(m).map((v) => v.version) })),
        batching: config.batching,
        apiKey: apiKey ? 'required' : 'off',
      });
      const shutdown = (signal: string) => {
        log.info('shutting down: finishing in-flight requests', { signal });
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error('shutdown failed', { error: String(err) });
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
}
