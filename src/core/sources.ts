import type { Knex } from 'knex';
import { ConflictError, InputError, NotFoundError } from './errors.js';
import { fromJsonColumn, toJsonColumn } from './json-column.js';
import { nowIso, type Timestamp } from './time.js';

export interface Source {
  id: number;
  name: string;
  kind: string;
  config: Record<string, unknown>;
  schedule: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface SourceSummary extends Source {
  itemCount: number;
  lastRun: { id: number; status: string; finishedAt: Timestamp | null } | null;
}

interface SourceRow {
  id: number;
  name: string;
  kind: string;
  config: string;
  schedule: string | null;
  created_at: string;
  updated_at: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function checkSourceName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new InputError(`source name "${name}" is invalid: use letters, digits, ".", "_" or "-" (at most 200)`);
  }
  return name;
}

function fromRow(row: SourceRow): Source {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    config: fromJsonColumn(row.config, {}),
    schedule: row.schedule,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function findSource(db: Knex, name: string): Promise<Source | undefined> {
  const row = await db<SourceRow>('sources').where({ name }).first();
  return row ? fromRow(row) : undefined;
}

export async function getSource(db: Knex, name: string): Promise<Source> {
  const source = await findSource(db, name);
  if (!source) throw new NotFoundError('source', name);
  return source;
}

export async function getSourceById(db: Knex, id: number): Promise<Source> {
  const row = await db<SourceRow>('sources').where({ id }).first();
  if (!row) throw new NotFoundError('source', id);
  return fromRow(row);
}

export interface NewSource {
  name: string;
  kind: string;
  config: Record<string, unknown>;
  schedule?: string | null;
}

export async function createSource(db: Knex, input: NewSource): Promise<Source> {
  checkSourceName(input.name);
  if (await findSource(db, input.name)) throw new ConflictError(`source "${input.name}" already exists`);
  const now = nowIso();
  const [row] = await db<SourceRow>('sources')
    .insert({
      name: input.name,
      kind: input.kind,
      config: toJsonColumn(input.config),
      schedule: input.schedule ?? null,
      created_at: now,
      updated_at: now,
    })
    .returning('*');
  return fromRow(row as SourceRow);
}

export async function updateSource(
  db: Knex,
  name: string,
  patch: { config?: Record<string, unknown>; schedule?: string | null },
): Promise<Source> {
  const source = await getSource(db, name);
  const changes: Partial<SourceRow> = { updated_at: nowIso() };
  if (patch.config !== undefined) changes.config = toJsonColumn(patch.config);
  if (patch.schedule !== undefined) changes.schedule = patch.schedule;
  await db('sources').where({ id: source.id }).update(changes);
  return getSource(db, name);
}

export async function removeSource(db: Knex, name: string): Promise<void> {
  const source = await getSource(db, name);
  await db('sources').where({ id: source.id }).delete();
}

export async function listSources(db: Knex): Promise<SourceSummary[]> {
  const rows = await db<SourceRow>('sources').orderBy('name');
  const counts: Array<{ source_id: number; count: number | string }> = await db('items')
    .select('source_id')
    .count({ count: '*' })
    .groupBy('source_id');
  const countBySource = new Map(counts.map((c) => [Number(c.source_id), Number(c.count)]));
  const lastRuns = await db('runs')
    .select('id', 'source_id', 'status', 'finished_at')
    .whereIn('id', db('runs').max('id').groupBy('source_id'));
  const runBySource = new Map(lastRuns.map((r) => [Number(r.source_id), r]));
  return rows.map((row) => {
    const run = runBySource.get(row.id);
    return {
      ...fromRow(row),
      itemCount: countBySource.get(row.id) ?? 0,
      lastRun: run ? { id: run.id, status: run.status, finishedAt: run.finished_at } : null,
    };
  });
}
