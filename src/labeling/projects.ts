import type { Knex } from 'knex';
import { z } from 'zod';
import { ConflictError, InputError, NotFoundError } from '../core/errors.js';
import type { IngestListener } from '../core/ingest.js';
import { fromJsonColumn, toJsonColumn } from '../core/json-column.js';
import { getSource } from '../core/sources.js';
import { nowIso, type Timestamp } from '../core/time.js';
import { parseLabelSchema, validateResult, type LabelResult, type LabelSchema } from './label-schema.js';
import { getUser, type User } from './users.js';

export const ORDERINGS = ['random', 'source', 'priority'] as const;
export type Ordering = (typeof ORDERINGS)[number];

/** Which items of the sources join the project: a substring of the text and/or exact field values. */
export const itemFilterSchema = z
  .object({
    textContains: z.string().min(1).optional(),
    fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();
export type ItemFilter = z.infer<typeof itemFilterSchema>;

/** Crowd link settings: workers arrive at /crowd/<token>?<param>=<worker id>. */
export interface CrowdLink {
  token: string;
  param: string;
  quota: number;
  completionCode: string;
  /** Minimum share of gold items right to earn the completion code. */
  minGoldAccuracy: number;
}

export interface Project {
  id: number;
  name: string;
  sources: string[];
  schema: LabelSchema;
  instructions: string | null;
  overlap: number;
  goldRate: number;
  ordering: Ordering;
  filter: ItemFilter | null;
  leaseSeconds: number;
  /**
   * Item fields annotators, crowd workers and crowd exports never see: those the project hides plus
   * the label column each of its sources was imported with (the answer, when a dataset has one).
   */
  hiddenFields: string[];
  crowd: CrowdLink | null;
  createdAt: Timestamp;
}

export interface ProjectInput {
  name: string;
  sources: string[];
  schema: unknown;
  overlap?: number;
  goldRate?: number;
  ordering?: Ordering;
  filter?: ItemFilter | null;
  leaseSeconds?: number;
  /** Item fields to keep from annotators, besides the sources' label columns. */
  hiddenFields?: string[];
}

interface ProjectRow {
  id: number;
  name: string;
  schema: string;
  overlap: number;
  gold_rate: number;
  ordering: string;
  filter: string | null;
  lease_seconds: number;
  hidden_fields: string | null;
  crowd: string | null;
  created_at: string;
}

export const DEFAULT_LEASE_SECONDS = 600;
const TASK_CHUNK = 500;

const projectNameSchema = z.string().min(1).max(200).regex(/^[\p{L}\p{N}._-]+$/u, 'use letters, digits, dot, underscore or dash');

export const hiddenFieldsSchema = z.array(z.string().min(1).max(200)).max(500);

/** The label column a source was imported with (file sources' `label`), if any. */
function labelColumnOf(config: string): string | undefined {
  const label = fromJsonColumn<Record<string, unknown>>(config, {}).label;
  return typeof label === 'string' && label !== '' ? label : undefined;
}

async function fromRow(db: Knex, row: ProjectRow): Promise<Project> {
  const sourceRows: Array<{ name: string; config: string }> = await db('project_sources')
    .join('sources', 'sources.id', 'project_sources.source_id')
    .where('project_id', row.id)
    .orderBy('sources.name')
    .select('sources.name', 'sources.config');
  const sources = sourceRows.map((s) => s.name);
  const labelColumns = sourceRows.map((s) => labelColumnOf(s.config)).filter((c): c is string => c !== undefined);
  const hiddenFields = [...new Set([...fromJsonColumn<string[]>(row.hidden_fields, []), ...labelColumns])].sort();
  const schema = fromJsonColumn<LabelSchema>(row.schema, { kind: 'single', labels: [] });
  return {
    id: row.id,
    name: row.name,
    sources,
    schema,
    instructions: schema.instructions ?? null,
    overlap: row.overlap,
    goldRate: row.gold_rate,
    ordering: row.ordering as Ordering,
    filter: fromJsonColumn<ItemFilter | null>(row.filter, null),
    leaseSeconds: row.lease_seconds,
    hiddenFields,
    crowd: fromJsonColumn<CrowdLink | null>(row.crowd, null),
    createdAt: row.created_at,
  };
}

export async function createProject(db: Knex, input: ProjectInput): Promise<Project> {
  const name = projectNameSchema.safeParse(input.name);
  if (!name.success) throw new InputError(`project name "${input.name}": ${name.error.issues[0]?.message}`);
  const schema = parseLabelSchema(input.schema, 'schema');
  const overlap = input.overlap ?? 1;
  if (!Number.isInteger(overlap) || overlap < 1 || overlap > 100) throw new InputError('overlap must be a whole number from 1 to 100');
  const goldRate = input.goldRate ?? 0;
  if (!(goldRate >= 0 && goldRate <= 1)) throw new InputError('gold rate must be between 0 and 1');
  if (input.sources.length === 0) throw new InputError('a project needs at least one source');
  const filter = input.filter ? parseFilter(input.filter) : null;
  const leaseSeconds = input.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 5) throw new InputError('lease must be at least 5 seconds');
  const hiddenFields = parseHiddenFields(input.hiddenFields ?? []);
  const sources = await Promise.all(input.sources.map((s) => getSource(db, s)));
  const id = await db.transaction(async (trx) => {
    const rows: Array<{ id: number }> = await trx('projects')
      .insert({
        name: input.name,
        schema: toJsonColumn(schema),
        overlap,
        gold_rate: goldRate,
        ordering: input.ordering ?? 'random',
        filter: filter ? toJsonColumn(filter) : null,
        lease_seconds: leaseSeconds,
        hidden_fields: hiddenFields.length ? toJsonColumn(hiddenFields) : null,
        created_at: nowIso(),
      })
      .onConflict('name')
      .ignore()
      .returning('id');
    if (!rows[0]) throw new ConflictError(`project ${input.name} already exists`);
    const projectId = rows[0].id;
    await trx('project_sources').insert(sources.map((s) => ({ project_id: projectId, source_id: s.id })));
    for (const s of sources) await addSourceItems(trx, { id: projectId, ordering: input.ordering ?? 'random', filter }, s.id);
    return projectId;
  });
  return getProjectById(db, id);
}

export function parseFilter(value: unknown): ItemFilter {
  const parsed = itemFilterSchema.safeParse(value);
  if (!parsed.success) throw new InputError(`filter${parsed.error.issues[0]?.path.length ? ` field ${parsed.error.issues[0]?.path.join('.')}` : ''}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function parseHiddenFields(value: unknown): string[] {
  const parsed = hiddenFieldsSchema.safeParse(value);
  if (!parsed.success) throw new InputError(`hidden fields${parsed.error.issues[0]?.path.length ? ` entry ${Number(parsed.error.issues[0].path[0]) + 1}` : ''}: ${parsed.error.issues[0]?.message}`);
  return [...new Set(parsed.data)];
}

/** Replaces the fields the project hides from annotators (the sources' label columns stay hidden whatever this says). */
export async function setHiddenFields(db: Knex, projectName: string, fields: string[]): Promise<Project> {
  const project = await getProject(db, projectName);
  const hidden = parseHiddenFields(fields);
  await db('projects').where({ id: project.id }).update({ hidden_fields: hidden.length ? toJsonColumn(hidden) : null });
  return getProjectById(db, project.id);
}

export async function getProject(db: Knex, name: string): Promise<Project> {
  const row: ProjectRow | undefined = await db('projects').where({ name }).first();
  if (!row) throw new NotFoundError('project', name);
  return fromRow(db, row);
}

export async function getProjectById(db: Knex, id: number): Promise<Project> {
  const row: ProjectRow | undefined = await db('projects').where({ id }).first();
  if (!row) throw new NotFoundError('project', id);
  return fromRow(db, row);
}

/** All projects, or those the user is a member of. */
export async function listProjects(db: Knex, opts: { memberId?: number } = {}): Promise<Project[]> {
  const q = db('projects').select('projects.*').orderBy('projects.name');
  if (opts.memberId !== undefined) q.join('project_members', 'project_members.project_id', 'projects.id').where('project_members.user_id', opts.memberId);
  const rows: ProjectRow[] = await q;
  return Promise.all(rows.map((r) => fromRow(db, r)));
}

export async function addMember(db: Knex, projectName: string, userName: string): Promise<{ project: Project; user: User }> {
  const project = await getProject(db, projectName);
  const user = await getUser(db, userName);
  await db('project_members').insert({ project_id: project.id, user_id: user.id }).onConflict(['project_id', 'user_id']).ignore();
  return { project, user };
}

export async function isMember(db: Knex, projectId: number, userId: number): Promise<boolean> {
  return Boolean(await db('project_members').where({ project_id: projectId, user_id: userId }).first('user_id'));
}

export async function setCrowdLink(db: Knex, projectId: number, link: CrowdLink | null): Promise<void> {
  await db('projects').where({ id: projectId }).update({ crowd: link ? toJsonColumn(link) : null });
}

/** Sets the priority the ML side computes (e.g. model uncertainty); higher is served first. */
export async function setPriorities(db: Knex, projectId: number, priorities: Array<{ itemId: number; priority: number }>): Promise<number> {
  let updated = 0;
  await db.transaction(async (trx) => {
    for (const p of priorities) updated += await trx('tasks').where({ project_id: projectId, item_id: p.itemId }).update({ priority: p.priority });
  });
  return updated;
}

interface TaskTarget {
  id: number;
  ordering: string;
  filter: ItemFilter | null;
}

/** Adds every item of a source to a project (one INSERT … SELECT without a filter). */
async function addSourceItems(trx: Knex.Transaction, project: TaskTarget, sourceId: number): Promise<void> {
  if (!project.filter) {
    const rank = project.ordering === 'random' ? randomRankSql(trx) : 'items.id';
    await trx.raw(
      `INSERT INTO tasks (project_id, item_id, rank) SELECT ?, items.id, ${rank} FROM items WHERE items.source_id = ? ORDER BY items.id ON CONFLICT DO NOTHING`,
      [project.id, sourceId],
    );
    return;
  }
  let after = 0;
  for (;;) {
    const items: Array<{ id: number; text: string | null; fields: string }> = await trx('items')
      .where('source_id', sourceId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(TASK_CHUNK)
      .select('id', 'text', 'fields');
    if (items.length === 0) return;
    after = items[items.length - 1].id;
    await insertTasks(trx, project, items);
  }
}

function randomRankSql(db: Knex): string {
  return db.client.config.client === 'pg' ? 'random()' : '(abs(random()) / 9223372036854775807.0)';
}

async function insertTasks(trx: Knex.Transaction, project: TaskTarget, items: Array<{ id: number; text: string | null; fields: string }>): Promise<void> {
  const rows = items
    .filter((it) => matchesFilter(project.filter, it))
    .map((it) => ({ project_id: project.id, item_id: it.id, rank: project.ordering === 'random' ? Math.random() : it.id }));
  if (rows.length) await trx('tasks').insert(rows).onConflict(['project_id', 'item_id']).ignore();
}

export function matchesFilter(filter: ItemFilter | null, item: { text: string | null; fields: string }): boolean {
  if (!filter) return true;
  if (filter.textContains && !(item.text ?? '').toLowerCase().includes(filter.textContains.toLowerCase())) return false;
  if (filter.fields) {
    const fields = fromJsonColumn<Record<string, unknown>>(item.fields, {});
    for (const [k, v] of Object.entries(filter.fields)) if (fields[k] !== v) return false;
  }
  return true;
}

/**
 * New or changed items of a source join every project fed by that source, inside the ingest
 * transaction: the items and their tasks commit together, and `next` stays a plain index lookup
 * (no scan for items a project has not seen yet).
 */
export const labelingIngestListener: IngestListener = async (trx, event) => {
  const projects: Array<{ id: number; ordering: string; filter: string | null }> = await trx('project_sources')
    .join('projects', 'projects.id', 'project_sources.project_id')
    .where('project_sources.source_id', event.sourceId)
    .select('projects.id', 'projects.ordering', 'projects.filter');
  if (projects.length === 0) return;
  const ids = [...event.inserted, ...event.updated];
  for (let i = 0; i < ids.length; i += TASK_CHUNK) {
    const items = await trx('items').whereIn('id', ids.slice(i, i + TASK_CHUNK)).select('id', 'text', 'fields');
    for (const p of projects) await insertTasks(trx, { id: p.id, ordering: p.ordering, filter: fromJsonColumn<ItemFilter | null>(p.filter, null) }, items);
  }
};

/** Marks items as gold with their known answer; gold items are served to every annotator, outside the overlap. */
export async function setGold(db: Knex, project: Project, entries: Array<{ itemId: number; result: unknown }>): Promise<number> {
  return db.transaction(async (trx) => {
    let n = 0;
    for (const [i, e] of entries.entries()) {
      const item: { text: string | null } | undefined = await trx('tasks').join('items', 'items.id', 'tasks.item_id').where({ 'tasks.project_id': project.id, 'tasks.item_id': e.itemId }).first('items.text');
      if (!item) throw new InputError(`gold entry ${i + 1}: item ${e.itemId} is not in project ${project.name}`);
      let result: LabelResult;
      try {
        result = validateResult(project.schema, e.result, item.text);
      } catch (err) {
        throw new InputError(`gold entry ${i + 1}: ${(err as Error).message}`);
      }
      n += await trx('tasks').where({ project_id: project.id, item_id: e.itemId }).update({ is_gold: true, open: true, gold_result: toJsonColumn(result) });
    }
    return n;
  });
}
