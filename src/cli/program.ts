import { Command } from 'commander';
import { registerCrawlCommand } from './commands/crawl.js';
import { registerCrowdCommands } from './commands/crowd.js';
import { registerHubCommands } from './commands/hub.js';
import { registerImportCommand } from './commands/import.js';
import { registerItemsCommands } from './commands/items.js';
import { registerProjectsCommands } from './commands/projects.js';
import { registerRunsCommands } from './commands/runs.js';
import { registerServeModelCommand } from './commands/serve-model.js';
import { registerSourcesCommands } from './commands/sources.js';
import { registerUsersCommands } from './commands/users.js';
import { registerWorkerCommands } from './commands/worker.js';
import { registerSnapshotsCommands } from './commands/snapshots.js';
import { registerTrainCommand } from './commands/train.js';
import { registerEvaluateCommand } from './commands/evaluate.js';
import { registerTuneCommand } from './commands/tune.js';

export function buildProgram(): Command {
  const program = new Command('trove')
    .description('Trove: acquire, keep, label and learn from data')
    .option('--data-dir <dir>', 'where the SQLite store and blobs live (env TROVE_DATA_DIR, default ./data)')
    .option('--json', 'print one JSON document on stdout')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  registerHubCommands(program);
  registerImportCommand(program);
  registerCrawlCommand(program);
  registerSourcesCommands(program);
  registerRunsCommands(program);
  registerItemsCommands(program);
  registerUsersCommands(program);
  registerProjectsCommands(program);
  registerCrowdCommands(program);
  registerServeModelCommand(program);
  registerWorkerCommands(program);
  registerSnapshotsCommands(program);
  registerTrainCommand(program);
  registerEvaluateCommand(program);
  registerTuneCommand(program);
  for (const cmd of program.commands) inheritExitOverride(cmd);
  return program;
}

function inheritExitOverride(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) inheritExitOverride(sub);
}
