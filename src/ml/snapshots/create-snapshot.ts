import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { InputError } from '../../core/errors.js';
import { streamItems, type Item } from '../../core/items.js';
import { getSource } from '../../core/sources.js';
import type { Store } from '../../core/store.js';
import { nowIso } from '../../core/time.js';
import { aggregateProject, AGGREGATION_POLICIES, type AggregationPolicy } from '../../labeling/aggregate.js';
import { labelOf, labelSetKey, labelSetOf } from '../dataset.js';
import { stableKey } from '../stable-key.js';
import { fieldNames, labelDistribution, type Datasheet, type SnapshotTask } from './datasheet.js';
import { checkSnapshotName, insertSnapshot, type Snapshot, type SnapshotOrigin, type SnapshotRow } from './snapshot-store.js';

export type CreateSnapshotInput =
  | { name: string; project: string; policy?: AggregationPolicy; minConfidence?: number }
  | { name: string; source: string; labelField: string };

/**
 * Freezes a labeled dataset: from a labeling project (aggregated answers, optionally only the
 * confident ones) or from a source whose items carry their label in a field. The rows, their
 * order and a SHA-256 of their canonical content are fixed at creation.
 */
export async function createSnapshot(store: Store, input: CreateSnapshotInput): Promise<Snapshot> {
  checkSnapshotName(input.name);
  const built = 'project' in input ? await fromProject(store, input) : await fromSource(store.db, input);
  if (built.rows.length === 0) throw new InputError(`snapshot "${input.name}" would be empty: no labeled item`);
  const createdAt = nowIso();
  const distribution = labelDistribution(built.rows, built.task);
  const datasheet: Datasheet = {
    rows: built.rows.length,
    task: built.task,
    excluded: built.excluded,
    classes: Object.keys(distribution).length,
    labelDistribution: distribution,
    fields: fieldNames(built.rows),
    agreement: built.agreement,
    sources: await describeSources(store.db, built.sourceCounts),
    createdAt,
  };
  return insertSnapshot(store.db, { name: input.name, contentHash: contentHash(built.rows), origin: built.origin, datasheet, rowCount: built.rows.length, createdAt }, built.rows);
}

export function contentHash(rows: SnapshotRow[]): string {
  const hash = createHash('sha256');
  for (const r of rows) hash.update(stableKey([r.itemId, r.key, r.features, r.label, r.confidence]) + '\n');
  return hash.digest('hex');
}

interface Built {
  rows: SnapshotRow[];
  task: SnapshotTask;
  origin: SnapshotOrigin;
  excluded: Datasheet['excluded'];
  agreement: Datasheet['agreement'];
  sourceCounts: Map<string, number>;
}

/** An item's learnable features: its fields (minus the label) plus its text when it has one. */
function featuresOf(item: Item, labelField?: string): Record<string, unknown> {
  const features: Record<string, unknown> = { ...item.fields };
  if (labelField) delete features[labelField];
  if (item.text !== null && !('text' in features)) features.text = item.text;
  return features;
}

async function fromSource(db: Knex, input: { name: string; source: string; labelField: string }): Promise<Built> {
  const source = await getSource(db, input.source);
  const rows: SnapshotRow[] = [];
  const labelSets: Array<string[] | null> = [];
  let unlabeled = 0;
  let fieldSeen = false;
  for await (const item of streamItems(db, { sourceId: source.id })) {
    if (input.labelField in item.fields) fieldSeen = true;
    const value = item.fields[input.labelField];
    const label = labelOf(value);
    if (label === null) {
      unlabeled++;
      continue;
    }
    labelSets.push(labelSetOf(value));
    rows.push({ itemId: item.id, key: item.key, url: item.url, features: featuresOf(item, input.labelField), label, confidence: null });
  }
  if (!fieldSeen) throw new InputError(`source "${input.source}" has no field "${input.labelField}" on any item (--label-field)`);
  // A label field holding arrays is multi-label; a lone string among them is a set of one.
  const task: SnapshotTask = labelSets.some((set) => set !== null) ? 'multi-label' : 'single-label';
  if (task === 'multi-label') rows.forEach((r, i) => (r.label = labelSetKey(labelSets[i] ?? [r.label])));
  return {
    rows,
    task,
    origin: { kind: 'source', source: input.source, labelField: input.labelField },
    excluded: { unlabeled, lowConfidence: 0, spans: 0 },
    agreement: null,
    sourceCounts: new Map([[source.name, rows.length]]),
  };
}

async function fromProject(store: Store, input: { name: string; project: string; policy?: AggregationPolicy; minConfidence?: number }): Promise<Built> {
  const policy = input.policy ?? 'majority';
  if (!AGGREGATION_POLICIES.includes(policy)) throw new InputError(`--policy must be one of ${AGGREGATION_POLICIES.join(', ')}, got "${policy}"`);
  const min = input.minConfidence ?? 0;
  if (!(min >= 0 && min <= 1)) throw new InputError(`--min-confidence must be between 0 and 1, got ${input.minConfidence}`);
  const answers = new Map<number, { label: string; confidence: number; annotations: number }>();
  const excluded = { unlabeled: 0, lowConfidence: 0, spans: 0 };
  let task: SnapshotTask = 'single-label';
  let confidenceSum = 0;
  let unanimous = 0;
  let annotated = 0;
  for await (const a of aggregateProject(store, input.project, policy)) {
    annotated++;
    confidenceSum += a.confidence;
    if (a.confidence >= 1 && a.annotations > 1) unanimous++;
    if (a.spans) {
      excluded.spans++;
      continue;
    }
    if (a.label === null && !a.labels) {
      excluded.unlabeled++;
      continue;
    }
    if (a.confidence < min) {
      excluded.lowConfidence++;
      continue;
    }
    if (a.labels) task = 'multi-label';
    answers.set(a.itemId, { label: a.labels ? labelSetKey(a.labels) : (a.label as string), confidence: a.confidence, annotations: a.annotations });
  }
  const rows: SnapshotRow[] = [];
  const sourceCounts = new Map<string, number>();
  const ids = [...answers.keys()].sort((x, y) => x - y);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const items = await store.db('items').join('sources', 'sources.id', 'items.source_id').whereIn('items.id', chunk).orderBy('items.id')
      .select('items.id', 'items.key', 'items.url', 'items.text', 'items.fields', 'sources.name as source', 'sources.config as source_config');
    for (const it of items as Array<{ id: number; key: string; url: string | null; text: string | null; fields: string; source: string; source_config: string }>) {
      const answer = answers.get(it.id);
      if (!answer) continue;
      const item = { id: it.id, key: it.key, url: it.url, text: it.text, fields: JSON.parse(it.fields) as Record<string, unknown> } as Item;
      const features = featuresOf(item, givenLabelField(it.source_config));
      rows.push({ itemId: it.id, key: it.key, url: it.url, features, label: answer.label, confidence: answer.confidence });
      sourceCounts.set(it.source, (sourceCounts.get(it.source) ?? 0) + 1);
    }
  }
  return {
    rows,
    task,
    origin: { kind: 'project', project: input.project, policy, minConfidence: input.minConfidence ?? null },
    excluded,
    agreement: annotated ? { meanConfidence: confidenceSum / annotated, unanimous, annotatedItems: annotated } : null,
    sourceCounts,
  };
}

/**
 * The field where a labeled public dataset keeps its given label (the file source's `label`). In a
 * project snapshot the annotators' answer is the label, so that field would leak it into the features.
 */
function givenLabelField(sourceConfig: string): string | undefined {
  const label = (JSON.parse(sourceConfig) as { label?: unknown }).label;
  return typeof label === 'string' ? label : undefined;
}

async function describeSources(db: Knex, counts: Map<string, number>): Promise<Datasheet['sources']> {
  const out: Datasheet['sources'] = [];
  for (const [name, items] of [...counts.entries()].sort()) {
    const source = await getSource(db, name);
    const licence = typeof source.config.licence === 'string' ? source.config.licence : null;
    out.push({ name, kind: source.kind, items, licence });
  }
  return out;
}
