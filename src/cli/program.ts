import { Command } from 'commander';
import { registerHubCommands } from './commands/hub.js';
import { registerImportCommand } from './commands/import.js';
import { registerItemsCommands } from './commands/items.js';
import { registerRunsCommands } from './commands/runs.js';
import { registerSourcesCommands } from './commands/sources.js';

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
  registerSourcesCommands(program);
  registerRunsCommands(program);
  registerItemsCommands(program);
  for (const cmd of program.commands) inheritExitOverride(cmd);
  return program;
}

function inheritExitOverride(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) inheritExitOverride(sub);
}
