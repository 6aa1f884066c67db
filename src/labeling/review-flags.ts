import type { Knex } from 'knex';
import { NotFoundError } from '../core/errors.js';
import { fromJsonColumn, toJsonColumn } from '../core/json-column.js';
import { nowIso, type Timestamp } from '../core/time.js';
import type { Project } from './projects.js';

/** Why an item should be looked at again, as the flagger (e.g. a model's label-noise finder) says it. */
export interface ReviewFlagInput {
  itemId: number;
  reason: string;
  details: Record<string, unknown>;
}

export interface ReviewFlag {
  id: number;
  itemId: number;
  origin: string;
  reason: string;
  details: Record<string, unknown>;
  createdAt: Timestamp;
  resolvedAt: Timestamp | null;
  resolvedBy: string | null;
  item: { id: number; key: string; text: string | null; fields: Record<string, unknown>; url: string | null };
}

export interface FlagOutcome {
  /** Flags opened or refreshed. */
  flagged: number;
  /** Reviewed annotations (accepted or corrected) put back in the review queue. */
  reopened: number;
  /** Items the project does not hold (its sources changed since the snapshot): left alone. */
  notInProject: number[];
}

const CHUNK = 500;

/**
 * Flags items of a project for another review, in one transaction: each item gets one open flag
 * (a new flag replaces an older one and reopens it), and its annotations already accepted or
 * corrected go back to pending so they reappear in the manager's review queue. Rejected
 * annotations stay rejected: a rejection is final.
 */
export async function flagItems(db: Knex, project: Project, origin: string, flags: ReviewFlagInput[]): Promise<FlagOutcome> {
  const outcome: FlagOutcome = { flagged: 0, reopened: 0, notInProject: [] };
  const now = nowIso();
  await db.transaction(async (trx) => {
    for (let i = 0; i < flags.length; i += CHUNK) {
      const chunk = flags.slice(i, i + CHUNK);
      const held = new Set<number>(
        (await trx('tasks').where('project_id', project.id).whereIn('item_id', chunk.map((f) => f.itemId)).pluck('item_id')).map(Number),
      );
      for (const f of chunk) if (!held.has(f.itemId)) outcome.notInProject.push(f.itemId);
      const rows = chunk
        .filter((f) => held.has(f.itemId))
        .map((f) => ({ project_id: project.id, item_id: f.itemId, origin, reason: f.reason, details: toJsonColumn(f.details), created_at: now, resolved_at: null, resolved_by: null }));
      if (rows.length === 0) continue;
      await trx('review_flags').insert(rows).onConflict(['project_id', 'item_id']).merge(['origin', 'reason', 'details', 'created_at', 'resolved_at', 'resolved_by']);
      outcome.flagged += rows.length;
      outcome.reopened += await trx('annotations')
        .where('project_id', project.id)
        .whereIn('item_id', rows.map((r) => r.item_id))
        .whereIn('review_status', ['accepted', 'corrected'])
        .update({ review_status: 'pending', updated_at: now });
    }
  });
  return outcome;
}

interface FlagRow {
  id: number;
  item_id: number;
  origin: string;
  reason: string;
  details: string;
  created_at: string;
  resolved_at: string | null;
  resolver: string | null;
  key: string;
  text: string | null;
  fields: string;
  url: string | null;
}

export interface FlagListOptions {
  /** Open flags only (the default), or resolved ones only. */
  resolved?: boolean;
  /** Flags with a smaller id (newest first paging). */
  before?: number;
  limit?: number;
}

export async function listFlags(db: Knex, project: Project, opts: FlagListOptions = {}): Promise<{ flags: ReviewFlag[]; nextBefore: number | null }> {
  const limit = opts.limit ?? 50;
  const q = db('review_flags')
    .join('items', 'items.id', 'review_flags.item_id')
    .leftJoin('users', 'users.id', 'review_flags.resolved_by')
    .where('review_flags.project_id', project.id)
    .select('review_flags.*', 'items.key', 'items.text', 'items.fields', 'items.url', 'users.name as resolver')
    .orderBy('review_flags.id', 'desc')
    .limit(limit);
  if (opts.resolved) q.whereNotNull('review_flags.resolved_at');
  else q.whereNull('review_flags.resolved_at');
  if (opts.before !== undefined) q.where('review_flags.id', '<', opts.before);
  const rows: FlagRow[] = await q;
  return { flags: rows.map(flagFromRow), nextBefore: rows.length === limit ? rows[rows.length - 1].id : null };
}

/** Marks a flag handled; resolving a resolved flag changes nothing. */
export async function resolveFlag(db: Knex, project: Project, flagId: number, userId: number): Promise<ReviewFlag> {
  await db('review_flags').where({ id: flagId, project_id: project.id }).whereNull('resolved_at').update({ resolved_at: nowIso(), resolved_by: userId });
  const row: FlagRow | undefined = await db('review_flags')
    .join('items', 'items.id', 'review_flags.item_id')
    .leftJoin('users', 'users.id', 'review_flags.resolved_by')
    .where({ 'review_flags.id': flagId, 'review_flags.project_id': project.id })
    .first('review_flags.*', 'items.key', 'items.text', 'items.fields', 'items.url', 'users.name as resolver');
  if (!row) throw new NotFoundError('review flag', flagId);
  return flagFromRow(row);
}

function flagFromRow(r: FlagRow): ReviewFlag {
  return {
    id: r.id,
    itemId: r.item_id,
    origin: r.origin,
    reason: r.reason,
    details: fromJsonColumn(r.details, {}),
    createdAt: r.created_at,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolver,
    item: { id: r.item_id, key: r.key, text: r.text, fields: fromJsonColumn(r.fields, {}), url: r.url },
  };
}
