import fs from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { CROWD_IMPORT_FORMATS, importCrowdResults, type CrowdImportFormat, type ImportSummary } from '../../labeling/crowd-import.js';
import { getProject } from '../../labeling/projects.js';
import { output, withHub } from '../context.js';

interface ImportFlags {
  format: string;
  matchField?: string;
  answerField?: string;
  skipFull?: boolean;
  createIn?: string;
}

export function registerCrowdCommands(program: Command): void {
  const crowd = program.command('crowd').description('crowd work: import answers from crowd platforms');

  crowd
    .command('import')
    .description('import crowd answers; a malformed file names its line and nothing is imported')
    .argument('<project>', 'project name')
    .argument('<file>', 'results file')
    .requiredOption('--format <format>', CROWD_IMPORT_FORMATS.join(' | '))
    .option('--match-field <field>', 'task data field that identifies items (text, url, key or a field name; data:item names both sides, e.g. image:url)')
    .option('--answer-field <name>', 'the form widget (mturk), control from_name (labelstudio) or label attribute (groundtruth) holding the answer')
    .option('--skip-full', 'skip answers for items that already have their overlap of answers (reported) instead of refusing the file')
    .option('--create-in <source>', 'create the items no task of the project matches, in this source of the project')
    .action(async (projectName: string, file: string, flags: ImportFlags, cmd: Command) => {
      if (!(CROWD_IMPORT_FORMATS as readonly string[]).includes(flags.format)) {
        throw new InputError(`--format must be one of ${CROWD_IMPORT_FORMATS.join(', ')}, got "${flags.format}"`);
      }
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw new InputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      const summary = await withHub(cmd, async (hub) =>
        importCrowdResults(hub.store.db, await getProject(hub.store.db, projectName), flags.format as CrowdImportFormat, text, file, {
          matchField: flags.matchField,
          answerField: flags.answerField,
          skipFull: flags.skipFull,
          create: flags.createIn ? { store: hub.store, listeners: hub.ingestListeners, source: flags.createIn } : undefined,
        }),
      );
      output(cmd, summary, () => summaryLine(summary));
    });
}

function summaryLine(s: ImportSummary): string {
  const parts = [
    s.alreadyImported && `${s.alreadyImported} already imported`,
    s.ownAnswers && `${s.ownAnswers} of Trove's own answers recognised`,
    s.skippedRejected && `${s.skippedRejected} rejected assignments skipped`,
    s.skippedFull && `${s.skippedFull} answers for full items skipped`,
    s.leasesReleased && `${s.leasesReleased} live leases given up`,
    s.expiredLeasesReclaimed && `${s.expiredLeasesReclaimed} expired leases reclaimed`,
    s.itemsCreated && `${s.itemsCreated} items created`,
  ].filter(Boolean);
  return `imported ${s.imported} answers from ${s.workers} workers${parts.length ? `, ${parts.join(', ')}` : ''}`;
}
