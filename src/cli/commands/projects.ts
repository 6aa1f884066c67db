import fs from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { AGGREGATION_POLICIES, type AggregationPolicy } from '../../labeling/aggregate.js';
import { crowdLinkUrl, enableCrowdLink } from '../../labeling/crowd-link.js';
import { crowdTemplate } from '../../labeling/crowd-template.js';
import { exportProject, labelStudioConfig, PROJECT_EXPORT_FORMATS, type ProjectExportFormat } from '../../labeling/export.js';
import { addMember, createProject, getProject, listProjects, ORDERINGS, parseFilter, setGold, setHiddenFields, type Ordering } from '../../labeling/projects.js';
import { projectProgress } from '../../labeling/review.js';
import { projectStats } from '../../labeling/stats.js';
import { output, parseIntOption, withHub } from '../context.js';
import { table } from '../table.js';
import { readConfigFile } from './sources.js';

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new InputError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function parseRate(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InputError(`--gold-rate must be a number from 0 to 1, got "${value}"`);
  return n;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function commaList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(3));

export function registerProjectsCommands(program: Command): void {
  const projects = program.command('projects').description('labeling projects: items from sources, a label schema, annotators');

  projects
    .command('create')
    .description('create a project over the items of one or more sources')
    .argument('<name>', 'project name')
    .requiredOption('--source <names>', 'source name(s), comma-separated')
    .requiredOption('--schema <file>', 'label schema JSON: {kind: single|multi|spans, labels: [{value, hotkey?, color?}], instructions?}')
    .option('--overlap <k>', 'annotations wanted per item', parseIntOption('--overlap'), 1)
    .option('--gold-rate <r>', 'share of gold items mixed into each annotator’s work (0..1)', parseRate)
    .option('--ordering <order>', ORDERINGS.join(' | '), 'random')
    .option('--filter <file>', 'JSON {textContains?, fields?: {name: value}}: only matching items join')
    .option('--instructions <file>', 'Markdown instructions for annotators')
    .option('--lease <seconds>', 'how long an annotator holds an item', parseIntOption('--lease'))
    .option('--hidden-fields <names>', 'item fields annotators never see, comma-separated (the sources’ --label columns always are)')
    .action(async (name: string, flags: { source: string; schema: string; overlap: number; goldRate?: number; ordering: string; filter?: string; instructions?: string; lease?: number; hiddenFields?: string }, cmd: Command) => {
      const schema = readConfigFile(flags.schema);
      if (flags.instructions) schema.instructions = readText(flags.instructions);
      const project = await withHub(cmd, (hub) =>
        createProject(hub.store.db, {
          name,
          sources: commaList(flags.source),
          schema,
          overlap: flags.overlap,
          goldRate: flags.goldRate,
          ordering: oneOf<Ordering>('--ordering', flags.ordering, ORDERINGS),
          filter: flags.filter ? parseFilter(readConfigFile(flags.filter)) : null,
          leaseSeconds: flags.lease,
          hiddenFields: flags.hiddenFields === undefined ? undefined : commaList(flags.hiddenFields),
        }),
      );
      output(cmd, project, () => `created project ${project.name} (${project.schema.kind}, overlap ${project.overlap}) over ${project.sources.join(', ')}`);
    });

  projects
    .command('list')
    .description('list projects with progress')
    .action(async (_flags: unknown, cmd: Command) => {
      const list = await withHub(cmd, async (hub) =>
        Promise.all((await listProjects(hub.store.db)).map(async (p) => ({ ...p, progress: await projectProgress(hub.store.db, p, -1) }))),
      );
      output(cmd, list, () =>
        list.length === 0
          ? 'no projects yet: try `trove projects create NAME --source SRC --schema schema.json`'
          : table(['NAME', 'KIND', 'OVERLAP', 'ITEMS', 'COMPLETE', 'ANNOTATIONS', 'SOURCES'], list.map((p) => [p.name, p.schema.kind, p.overlap, p.progress.items, p.progress.complete, p.progress.annotations, p.sources.join(',')])),
      );
    });

  projects
    .command('show')
    .description('a project: schema, progress, agreement, annotators')
    .argument('<name>', 'project name')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const shown = await withHub(cmd, async (hub) => {
        const project = await getProject(hub.store.db, name);
        return { project, stats: await projectStats(hub.store.db, project) };
      });
      const { project, stats } = shown;
      output(cmd, shown, () =>
        [
          `project ${project.name}: ${project.schema.kind}, overlap ${project.overlap}, ordering ${project.ordering}, gold rate ${project.goldRate}`,
          `sources: ${project.sources.join(', ')}`,
          `hidden from annotators: ${project.hiddenFields.join(', ') || 'no fields'}`,
          `labels: ${stats.labels.map((l) => `${l.label} (${l.count})`).join(', ')}`,
          `progress: ${stats.progress.complete}/${stats.progress.items} items complete, ${stats.progress.annotations} annotations, ${stats.progress.leased} leased`,
          `agreement: Fleiss κ ${fmt(stats.agreement.fleiss)}, Krippendorff α ${fmt(stats.agreement.krippendorffAlpha)} over ${stats.agreement.units} items`,
          project.crowd ? `crowd link: /crowd/${project.crowd.token}?${project.crowd.param}=… quota ${project.crowd.quota}, code ${project.crowd.completionCode}` : '',
          '',
          stats.annotators.length
            ? table(['ANNOTATOR', 'KIND', 'ANNOTATIONS', 'GOLD ACC', 'MEDIAN S'], stats.annotators.map((a) => [a.name, a.kind, a.annotations, a.goldAccuracy === null ? '—' : a.goldAccuracy.toFixed(2), a.medianSeconds?.toFixed(1)]))
            : 'no annotations yet',
        ]
          .filter((l, i) => l !== '' || i === 7)
          .join('\n'),
      );
    });

  projects
    .command('hide-fields')
    .description('set the item fields annotators, crowd workers and crowd exports never see (replaces the list)')
    .argument('<project>', 'project name')
    .argument('[names]', 'field names, comma-separated; none to hide only the sources’ label columns', '')
    .action(async (projectName: string, names: string, _flags: unknown, cmd: Command) => {
      const project = await withHub(cmd, (hub) => setHiddenFields(hub.store.db, projectName, commaList(names)));
      output(cmd, project, () => `hidden from annotators of ${project.name}: ${project.hiddenFields.join(', ') || 'no fields'}`);
    });

  projects
    .command('add-member')
    .description('let a user label a project')
    .argument('<project>', 'project name')
    .argument('<user>', 'user name')
    .action(async (projectName: string, userName: string, _flags: unknown, cmd: Command) => {
      await withHub(cmd, (hub) => addMember(hub.store.db, projectName, userName));
      output(cmd, { project: projectName, user: userName }, () => `${userName} is a member of ${projectName}`);
    });

  projects
    .command('gold')
    .description('mark gold items from a JSON Lines file of {itemId, result}')
    .argument('<project>', 'project name')
    .argument('<file>', 'JSON Lines file')
    .action(async (projectName: string, file: string, _flags: unknown, cmd: Command) => {
      const entries = readText(file)
        .split(/\r?\n/)
        .map((line, i) => ({ line, n: i + 1 }))
        .filter(({ line }) => line.trim())
        .map(({ line, n }) => {
          try {
            const v = JSON.parse(line) as { itemId?: unknown; result?: unknown };
            if (typeof v.itemId !== 'number') throw new Error('"itemId" must be a number');
            return { itemId: v.itemId, result: v.result };
          } catch (err) {
            throw new InputError(`${file} line ${n}: ${(err as Error).message}`);
          }
        });
      const n = await withHub(cmd, async (hub) => setGold(hub.store.db, await getProject(hub.store.db, projectName), entries));
      output(cmd, { gold: n }, () => `${n} gold items in ${projectName}`);
    });

  projects
    .command('crowd-link')
    .description('open a public crowd link (workers arrive with their id in a query parameter, e.g. PROLIFIC_PID)')
    .argument('<project>', 'project name')
    .requiredOption('--quota <n>', 'tasks per worker', parseIntOption('--quota'))
    .option('--param <name>', 'query parameter carrying the worker id', 'PROLIFIC_PID')
    .option('--code <code>', 'completion code shown at the end (default: the link\'s current code, or a generated one)')
    .option('--new-code', 'replace the completion code with a generated one (workers holding the old one can no longer use it)')
    .option('--min-gold-accuracy <x>', 'gold accuracy a worker needs for the code (0..1)', parseRate)
    .option('--hub-url <url>', 'the hub\'s address as workers reach it (default: env TROVE_PUBLIC_URL, else the local address)')
    .action(async (projectName: string, flags: { quota: number; param: string; code?: string; newCode?: boolean; minGoldAccuracy?: number; hubUrl?: string }, cmd: Command) => {
      if (flags.code !== undefined && flags.newCode) throw new InputError('--code and --new-code exclude each other');
      if (flags.hubUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(flags.hubUrl)) throw new InputError(`--hub-url must start with http:// or https://, got "${flags.hubUrl}"`);
      const { link, hubUrl, localUrl } = await withHub(cmd, async (hub) => ({
        link: await enableCrowdLink(hub.store.db, await getProject(hub.store.db, projectName), {
          quota: flags.quota,
          param: flags.param,
          completionCode: flags.code,
          newCode: flags.newCode,
          minGoldAccuracy: flags.minGoldAccuracy,
        }),
        hubUrl: flags.hubUrl ?? hub.config.publicUrl,
        localUrl: `http://${hub.config.host}:${hub.config.port}`,
      }));
      const url = crowdLinkUrl(hubUrl ?? localUrl, link, `{{${link.param}}}`);
      const where = hubUrl ? '' : '\n(the local address: give --hub-url or set TROVE_PUBLIC_URL to the address workers reach)';
      output(cmd, { ...link, url }, () => `crowd link: ${url}${where}\nquota ${link.quota}, completion code ${link.completionCode}`);
    });

  projects
    .command('export')
    .description('export labels, streamed (stdout unless --out)')
    .argument('<project>', 'project name')
    .requiredOption('--format <format>', PROJECT_EXPORT_FORMATS.join(' | '))
    .option('--aggregate <policy>', `one answer per item: ${AGGREGATION_POLICIES.join(' | ')}`)
    .option('--out <file>', 'write to this file')
    .option('--template <file>', 'crowd-csv: also write the HTML form template here; labelstudio: the labeling config (<View> XML) it fits')
    .option('--raw-cells', "csv, crowd-csv: write cells as stored, even those a spreadsheet would run as formulas (=, +, -, @); for programs, not spreadsheets")
    .action(async (projectName: string, flags: { format: string; aggregate?: string; out?: string; template?: string; rawCells?: boolean }, cmd: Command) => {
      const format = oneOf<ProjectExportFormat>('--format', flags.format, PROJECT_EXPORT_FORMATS);
      const aggregate = flags.aggregate === undefined ? undefined : oneOf<AggregationPolicy>('--aggregate', flags.aggregate, AGGREGATION_POLICIES);
      const count = await withHub(cmd, async (hub) => {
        const project = await getProject(hub.store.db, projectName);
        if (flags.template) fs.writeFileSync(flags.template, format === 'labelstudio' ? labelStudioConfig(project) : crowdTemplate(project));
        const out = flags.out ? fs.createWriteStream(flags.out) : process.stdout;
        const n = await exportProject(hub.store.db, project, { format, aggregate, rawCells: flags.rawCells }, out);
        if (flags.out) {
          out.end();
          await once(out, 'finish');
        }
        return n;
      });
      if (flags.out) process.stderr.write(`exported ${count} ${format === 'labelstudio' ? 'tasks' : 'rows'} to ${flags.out}\n`);
    });
}
