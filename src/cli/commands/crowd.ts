import fs from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { CROWD_IMPORT_FORMATS, importCrowdResults, type CrowdImportFormat } from '../../labeling/crowd-import.js';
import { getProject } from '../../labeling/projects.js';
import { output, withHub } from '../context.js';

export function registerCrowdCommands(program: Command): void {
  const crowd = program.command('crowd').description('crowd work: import answers from crowd platforms');

  crowd
    .command('import')
    .description('import crowd answers; a malformed file names its line and nothing is imported')
    .argument('<project>', 'project name')
    .argument('<file>', 'results file')
    .requiredOption('--format <format>', CROWD_IMPORT_FORMATS.join(' | '))
    .action(async (projectName: string, file: string, flags: { format: string }, cmd: Command) => {
      if (!(CROWD_IMPORT_FORMATS as readonly string[]).includes(flags.format)) {
        throw new InputError(`--format must be one of ${CROWD_IMPORT_FORMATS.join(', ')}, got "${flags.format}"`);
      }
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw new InputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      const summary = await withHub(cmd, async (hub) => importCrowdResults(hub.store.db, await getProject(hub.store.db, projectName), flags.format as CrowdImportFormat, text, file));
      output(cmd, summary, () => `imported ${summary.imported} answers from ${summary.workers} workers${summary.alreadyImported ? `, ${summary.alreadyImported} already imported` : ''}${summary.skippedRejected ? `, ${summary.skippedRejected} rejected assignments skipped` : ''}`);
    });
}
