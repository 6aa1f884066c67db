import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { Ingestor } from '../../src/core/ingest.js';
import { createSource } from '../../src/core/sources.js';
import type { Hub } from '../../src/hub.js';
import { importCrowdResults, type CrowdImportFormat } from '../../src/labeling/crowd-import.js';
import { createProject, getProject } from '../../src/labeling/projects.js';
import { openTestHub, storeKinds, type TestHub } from '../helpers/stores.js';

/**
 * Files as Label Studio, Ground Truth and Mechanical Turk write them (tests/fixtures/conformance),
 * each imported as published into a hub holding the items they answer. Every file is either imported with exactly the
 * answers it holds (read as the tool's own documentation reads it) or refused with one line naming
 * the file and the place; never imported with answers dropped or changed.
 */
const FIXTURES = path.resolve('tests/fixtures/conformance');

interface Stored {
  item: string;
  worker: string;
  result: unknown;
}

interface ProjectSpec {
  name: string;
  source: string;
  schema: unknown;
  overlap?: number;
}

interface Case {
  file: string;
  project: string;
  expect: { stored: Stored[] } | { refused: RegExp };
}

interface Corpus {
  name: string;
  format: CrowdImportFormat;
  /** Items by key, per source; seeded in this order so ids are the ones the files name. */
  sources: Array<{ name: string; csv: string; urls?: Record<string, string> }>;
  projects: ProjectSpec[];
  cases: Case[];
}

const single = (labels: string[]) => ({ kind: 'single', labels: labels.map((value) => ({ value })) });
const multi = (labels: string[]) => ({ kind: 'multi', labels: labels.map((value) => ({ value })) });
const spans = (labels: string[]) => ({ kind: 'spans', labels: labels.map((value) => ({ value })) });

function textOf(corpus: string, csv: string, key: string): string {
  const rows = parseCsv(fs.readFileSync(path.join(FIXTURES, corpus, csv)), { columns: true, bom: true }) as Array<{ id: string; text: string }>;
  return rows.find((r) => r.id === key)?.text ?? '';
}

/** A span by the text it covers, found in the item's text: offsets in UTF-16, as Trove stores them. */
function spanOf(text: string, covered: string, label: string) {
  const start = text.indexOf(covered);
  return { start, end: start + covered.length, label };
}

const ner = (key: string) => textOf('labelstudio', 'ner-texts.csv', key);
const mturkAnswers: Stored[] = [
  { item: 'm1', worker: 'mturk:A1B2C3D4E5F6G7', result: { label: 'Positive' } },
  { item: 'm1', worker: 'mturk:A9Z8Y7X6W5V4U3', result: { label: 'Negative' } },
  { item: 'm2', worker: 'mturk:A1B2C3D4E5F6G7', result: { label: 'Negative' } },
  { item: 'm2', worker: 'mturk:A9Z8Y7X6W5V4U3', result: { label: 'Neutral' } },
  { item: 'm3', worker: 'mturk:A1B2C3D4E5F6G7', result: { label: 'Neutral' } },
];
const gtWorker = (job: string) => `groundtruth:${job.replace(/[^A-Za-z0-9_-]/g, '_')}`;
const gtClassification: Stored[] = [{ item: 'g1', worker: gtWorker('label-sentiment'), result: { label: 'positive' } }];
const gtMultilabel: Stored[] = [{ item: 'g2', worker: gtWorker('labeling-job/text-label-attribute-name'), result: { labels: ['approving', 'critical', 'sad'] } }];
const gtEntities: Stored[] = [
  {
    item: 'g3',
    worker: gtWorker('labeling-job/example-ner-labeling-job'),
    result: {
      spans: [
        [22, 53, 'Thing'],
        [63, 71, 'Verb'],
        [75, 88, 'Date'],
        [108, 118, 'People'],
        [214, 224, 'People'],
        [228, 234, 'Verb'],
        [269, 281, 'Thing'],
      ].map(([start, end, label]) => ({ start, end, label })),
    },
  },
];

const CORPORA: Corpus[] = [
  {
    name: 'labelstudio',
    format: 'labelstudio',
    sources: [
      { name: 'ls', csv: 'ls-texts.csv' },
      { name: 'ner', csv: 'ner-texts.csv' },
    ],
    // In this order, the NER project's tasks are 21–23, the ids its export names.
    projects: [
      { name: 'humor', source: 'ls', schema: single(['Humor', 'Not Humor']), overlap: 2 },
      { name: 'classes', source: 'ls', schema: single(['class_A', 'class_TESTING', 'class_PREDICTIONS_TESTING']), overlap: 2 },
      { name: 'entities', source: 'ner', schema: spans(['Annotation', 'Vehicle', 'City']) },
      { name: 'cars', source: 'ls', schema: single(['Car']) },
    ],
    cases: [
      { file: 'converter-csv_test.json', project: 'cars', expect: { refused: /^converter-csv_test\.json task #1 annotation #1: control "label" \(rectanglelabels on "image"\) holds rectanglelabels regions/ } },
      {
        file: 'ls-humor_dataset_2_annotations.json',
        project: 'humor',
        expect: {
          stored: [
            { item: 't3', worker: 'labelstudio:test_suites_user@heartex.com', result: { label: 'Not Humor' } },
            { item: 't4', worker: 'labelstudio:test_suites_user@heartex.com', result: { label: 'Not Humor' } },
          ],
        },
      },
      {
        file: 'ls-tasks_annotations_predictions.json',
        project: 'classes',
        expect: {
          stored: [
            { item: 't5', worker: 'labelstudio:anonymous-1', result: { label: 'class_A' } },
            { item: 't6', worker: 'labelstudio:anonymous-1', result: { label: 'class_A' } },
            { item: 't6', worker: 'labelstudio:anonymous-2', result: { label: 'class_A' } },
            { item: 't7', worker: 'labelstudio:anonymous-1', result: { label: 'class_TESTING' } },
          ],
        },
      },
      {
        file: 'ner-ls-export-codepoints.json',
        project: 'entities',
        expect: {
          stored: [
            { item: 'n1', worker: 'labelstudio:3', result: { spans: [spanOf(ner('n1'), 'annotation', 'Annotation')] } },
            { item: 'n2', worker: 'labelstudio:3', result: { spans: [spanOf(ner('n2'), 'firetrucks', 'Vehicle')] } },
            { item: 'n3', worker: 'labelstudio:3', result: { spans: [spanOf(ner('n3'), 'Berlin', 'City')] } },
          ],
        },
      },
    ],
  },
  {
    name: 'groundtruth',
    format: 'groundtruth',
    // The multi-label sample names its text by S3 object (source-ref): that item came from there.
    sources: [{ name: 'gt', csv: 'gt-texts.csv', urls: { g2: 'AWSDOC-EXAMPLE-BUCKET/text_file.txt' } }],
    projects: [
      { name: 'mood', source: 'gt', schema: single(['negative', 'positive']) },
      { name: 'mood-by-id', source: 'gt', schema: single(['negative', 'positive']) },
      // Not the class-map's order: labels are read by class name, never by position.
      { name: 'tone', source: 'gt', schema: multi(['sad', 'approving', 'critical']) },
      { name: 'tone-by-id', source: 'gt', schema: multi(['sad', 'approving', 'critical']) },
      { name: 'ner', source: 'gt', schema: spans(['Date', 'Verb', 'Thing', 'People']) },
      { name: 'ner-by-id', source: 'gt', schema: spans(['Date', 'Verb', 'Thing', 'People']) },
    ],
    cases: [
      { file: 'aws-doc-text-classification.manifest', project: 'mood', expect: { stored: gtClassification } },
      { file: 'aws-doc-text-classification.with-trove-id.manifest', project: 'mood-by-id', expect: { stored: gtClassification } },
      { file: 'aws-doc-text-multilabel.manifest', project: 'tone', expect: { stored: gtMultilabel } },
      { file: 'aws-doc-text-multilabel.with-trove-id.manifest', project: 'tone-by-id', expect: { stored: gtMultilabel } },
      { file: 'aws-doc-ner.manifest', project: 'ner', expect: { stored: gtEntities } },
      { file: 'aws-doc-ner.with-trove-id.manifest', project: 'ner-by-id', expect: { stored: gtEntities } },
    ],
  },
  ...['batch-results-aws-sentiment-template.csv', 'batch-results-legacy-answer-columns.csv', 'batch-results-trove-template.csv'].map(
    (file): Corpus => ({
      name: 'mturk',
      format: 'mturk',
      sources: [{ name: 'mt', csv: 'mt-texts.csv' }],
      projects: [{ name: 'mt', source: 'mt', schema: JSON.parse(fs.readFileSync(path.join(FIXTURES, 'mturk', 'schema.json'), 'utf8')) as unknown, overlap: 2 }],
      cases: [{ file, project: 'mt', expect: { stored: mturkAnswers } }],
    }),
  ),
];

async function seed(hub: Hub, corpus: Corpus): Promise<void> {
  for (const s of corpus.sources) {
    const source = await createSource(hub.store.db, { name: s.name, kind: 'file', config: { path: '/dev/null' } });
    const rows = parseCsv(fs.readFileSync(path.join(FIXTURES, corpus.name, s.csv)), { columns: true, bom: true }) as Array<{ id: string; text: string }>;
    const ingestor = new Ingestor(hub.store, { sourceId: source.id, runId: null, listeners: hub.ingestListeners });
    for (const r of rows) await ingestor.add({ key: r.id, text: r.text, url: s.urls?.[r.id] ?? null });
    await ingestor.flush();
  }
  for (const p of corpus.projects) await createProject(hub.store.db, { name: p.name, sources: [p.source], schema: p.schema, overlap: p.overlap ?? 1, ordering: 'source' });
}

async function stored(hub: Hub, projectName: string): Promise<Stored[]> {
  const project = await getProject(hub.store.db, projectName);
  const rows: Array<{ key: string; external_id: string; result: unknown }> = await hub.store.db('annotations')
    .join('items', 'items.id', 'annotations.item_id')
    .join('users', 'users.id', 'annotations.user_id')
    .where('annotations.project_id', project.id)
    .select('items.key', 'users.external_id', 'annotations.result');
  return rows
    .map((r) => ({ item: r.key, worker: r.external_id, result: typeof r.result === 'string' ? (JSON.parse(r.result) as unknown) : r.result }))
    .sort((a, b) => `${a.item} ${a.worker}`.localeCompare(`${b.item} ${b.worker}`));
}

type Outcome = 'imported equal' | 'refused with a clear line' | 'wrong';

/** Imports one file into its project of the corpus's hub and says how that went. */
async function runCase(hub: Hub, corpus: Corpus, c: Case): Promise<{ outcome: Outcome; detail: string }> {
  const project = await getProject(hub.store.db, c.project);
  const text = fs.readFileSync(path.join(FIXTURES, corpus.name, c.file), 'utf8');
  let error: Error | undefined;
  try {
    await importCrowdResults(hub.store.db, project, corpus.format, text, c.file);
  } catch (err) {
    error = err as Error;
  }
  const after = await stored(hub, c.project);
  if (error) {
    const clear = !error.message.includes('\n') && error.message.startsWith(`${c.file} `) && after.length === 0;
    const expected = 'refused' in c.expect && c.expect.refused.test(error.message);
    return { outcome: clear && expected ? 'refused with a clear line' : 'wrong', detail: error.message };
  }
  const equal = 'stored' in c.expect && JSON.stringify(after) === JSON.stringify(c.expect.stored);
  return { outcome: equal ? 'imported equal' : 'wrong', detail: JSON.stringify(after) };
}

for (const kind of storeKinds) {
  describe(`crowd-file conformance [${kind}]`, () => {
    const tally = new Map<string, Record<Outcome, number>>();
    afterAll(() => {
      const lines = [...tally].map(([name, t]) => `conformance ${name} [${kind}]: ${t['imported equal']} imported equal, ${t['refused with a clear line']} refused with a clear line, ${t.wrong} wrong`);
      process.stdout.write(lines.join('\n') + '\n');
    });

    // A fresh hub per corpus, seeded in order, so the ids the files name are those of its items and tasks.
    for (const corpus of CORPORA) {
      let hub: TestHub | undefined;
      beforeAll(async () => {
        hub = await openTestHub(kind);
        await seed(hub.hub, corpus);
      });
      afterAll(async () => {
        await hub?.close();
      });
      for (const c of corpus.cases) {
        const outcome = 'stored' in c.expect ? 'imports with exactly its answers' : 'is refused with one line naming the place';
        test(`${corpus.name} ${c.file} ${outcome}`, async () => {
          if (!hub) throw new Error('conformance hub not open');
          const result = await runCase(hub.hub, corpus, c);
          const t = tally.get(corpus.name) ?? { 'imported equal': 0, 'refused with a clear line': 0, wrong: 0 };
          t[result.outcome]++;
          tally.set(corpus.name, t);
          expect({ file: c.file, outcome: result.outcome, detail: result.outcome === 'wrong' ? result.detail : '' }).toEqual({
            file: c.file,
            outcome: 'stored' in c.expect ? 'imported equal' : 'refused with a clear line',
            detail: '',
          });
        });
      }
    }
  });
}
