import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Knex } from 'knex';
import { InputError } from '../core/errors.js';
import { toJsonColumn } from '../core/json-column.js';
import { nowIso } from '../core/time.js';
import { validateResult, type LabelResult } from './label-schema.js';
import type { Project } from './projects.js';
import { crowdWorker } from './users.js';

export const CROWD_IMPORT_FORMATS = ['mturk', 'labelstudio', 'groundtruth', 'jsonl'] as const;
export type CrowdImportFormat = (typeof CROWD_IMPORT_FORMATS)[number];

/** One answer read from a crowd file, before it is checked against the project. */
interface ParsedAnswer {
  /** Where it came from, for error messages: "line 7", "task #3". */
  where: string;
  taskId?: number;
  itemId?: number;
  platform: string;
  workerId: string;
  /** Stable id of the answer in its file, so importing the same file twice adds nothing. */
  answerId: string;
  raw: unknown;
  workSeconds: number | null;
}

export interface ImportSummary {
  imported: number;
  alreadyImported: number;
  skippedRejected: number;
  workers: number;
}

class LineError extends InputError {
  constructor(file: string, where: string, reason: string) {
    super(`${file} ${where}: ${reason}`, { file, where });
  }
}

/**
 * Imports crowd answers into a project. Everything is parsed and checked first, then stored in
 * one transaction: a malformed file reports its line and reason and nothing is imported.
 * Crowd workers become annotators of kind `crowd`, keyed by platform and external id.
 */
export async function importCrowdResults(db: Knex, project: Project, format: CrowdImportFormat, text: string, file: string): Promise<ImportSummary> {
  const { answers, skippedRejected } = parseAnswers(format, text, file, project);
  return db.transaction(async (trx) => {
    const summary: ImportSummary = { imported: 0, alreadyImported: 0, skippedRejected, workers: 0 };
    const workers = new Map<string, number>();
    for (const a of answers) {
      const task = await findTask(trx, project, a, file);
      let result: LabelResult;
      try {
        result = validateResult(project.schema, a.raw, task.text);
      } catch (err) {
        throw new LineError(file, a.where, (err as Error).message);
      }
      const workerKey = `${a.platform}:${a.workerId}`;
      let userId = workers.get(workerKey);
      if (userId === undefined) {
        userId = (await crowdWorker(trx, a.platform, a.workerId)).id;
        workers.set(workerKey, userId);
        await trx('project_members').insert({ project_id: project.id, user_id: userId }).onConflict(['project_id', 'user_id']).ignore();
      }
      const clientId = `${format}:${createHash('sha256').update(`${a.answerId}\u0000${task.id}\u0000${workerKey}`).digest('hex').slice(0, 40)}`;
      if (await trx('annotations').where({ client_id: clientId }).first('id')) {
        summary.alreadyImported++;
        continue;
      }
      await storeAnswer(trx, project, task, userId, clientId, result, a, file);
      summary.imported++;
    }
    summary.workers = workers.size;
    return summary;
  });
}

async function findTask(trx: Knex.Transaction, project: Project, a: ParsedAnswer, file: string) {
  const q = trx('tasks').join('items', 'items.id', 'tasks.item_id').where('tasks.project_id', project.id);
  if (a.taskId !== undefined) q.where('tasks.id', a.taskId);
  else q.where('tasks.item_id', a.itemId ?? -1);
  const task: { id: number; item_id: number; text: string | null; is_gold: boolean | number; gold_result: string | null } | undefined = await q.first('tasks.id', 'tasks.item_id', 'items.text', 'tasks.is_gold', 'tasks.gold_result');
  if (!task) throw new LineError(file, a.where, `${a.taskId !== undefined ? `task ${a.taskId}` : `item ${a.itemId}`} is not in project ${project.name}`);
  return task;
}

async function storeAnswer(
  trx: Knex.Transaction,
  project: Project,
  task: { id: number; item_id: number; is_gold: boolean | number; gold_result: string | null },
  userId: number,
  clientId: string,
  result: LabelResult,
  a: ParsedAnswer,
  file: string,
): Promise<void> {
  const gold = Boolean(task.is_gold);
  if (await trx('assignments').where({ task_id: task.id, user_id: userId }).first('id')) {
    throw new LineError(file, a.where, `worker ${a.workerId} already has an annotation on ${a.taskId !== undefined ? `task ${task.id}` : `item ${task.item_id}`}`);
  }
  let slot: number | null = null;
  if (!gold) {
    const taken = new Set<number>(await trx('assignments').where('task_id', task.id).whereNotNull('slot').pluck('slot'));
    slot = Array.from({ length: project.overlap }, (_, i) => i).find((i) => !taken.has(i)) ?? null;
    if (slot === null) throw new LineError(file, a.where, `item ${task.item_id} already has its ${project.overlap} annotations (overlap)`);
  }
  const now = nowIso();
  const [assignment] = (await trx('assignments')
    .insert({ task_id: task.id, project_id: project.id, user_id: userId, slot, status: 'submitted', lease_expires_at: null, created_at: now })
    .returning('id')) as Array<{ id: number }>;
  await trx('annotations').insert({
    client_id: clientId,
    assignment_id: assignment.id,
    task_id: task.id,
    project_id: project.id,
    item_id: task.item_id,
    user_id: userId,
    result: toJsonColumn(result),
    is_gold: gold,
    gold_correct: gold ? JSON.stringify(result) === task.gold_result : null,
    work_seconds: a.workSeconds,
    created_at: now,
    updated_at: now,
  });
}

function parseAnswers(format: CrowdImportFormat, text: string, file: string, project: Project): { answers: ParsedAnswer[]; skippedRejected: number } {
  switch (format) {
    case 'mturk':
      return parseMturk(text, file, project);
    case 'labelstudio':
      return { answers: parseLabelStudio(text, file, project), skippedRejected: 0 };
    case 'groundtruth':
      return { answers: parseGroundTruth(text, file, project), skippedRejected: 0 };
    case 'jsonl':
      return { answers: parseJsonl(text, file), skippedRejected: 0 };
  }
}

const MTURK_REQUIRED = ['HITId', 'AssignmentId', 'WorkerId', 'AssignmentStatus'];

/** Mechanical Turk batch results (HITId, AssignmentId, WorkerId, AssignmentStatus, WorkTimeInSeconds, Input.*, Answer.*). */
function parseMturk(text: string, file: string, project: Project): { answers: ParsedAnswer[]; skippedRejected: number } {
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parseCsv(text, { columns: true, bom: true, info: true, skip_empty_lines: true, relax_column_count: false });
  } catch (err) {
    throw new InputError(`${file}: not a valid CSV (${(err as Error).message})`);
  }
  const header = records[0] ? Object.keys(records[0].record) : [];
  const missing = MTURK_REQUIRED.filter((c) => !header.includes(c));
  if (records.length && missing.length) throw new InputError(`${file} line 1: missing column(s) ${missing.join(', ')} of the Mechanical Turk batch-results layout`);
  const answers: ParsedAnswer[] = [];
  let skippedRejected = 0;
  for (const { record: r, info } of records) {
    const where = `line ${info.lines}`;
    if (r.AssignmentStatus === 'Rejected') {
      skippedRejected++;
      continue;
    }
    if (!r.WorkerId) throw new LineError(file, where, 'WorkerId is empty');
    const ids = inputIds(r['Input.task_id'], r['Input.item_id'], file, where);
    answers.push({ where, ...ids, platform: 'mturk', workerId: r.WorkerId, answerId: r.AssignmentId || `${r.HITId}:${r.WorkerId}`, raw: mturkAnswer(r, project, file, where), workSeconds: numberOrNull(r.WorkTimeInSeconds) });
  }
  return { answers, skippedRejected };
}

function inputIds(task: string | undefined, item: string | undefined, file: string, where: string): { taskId?: number; itemId?: number } {
  const t = task ? Number(task) : undefined;
  const i = item ? Number(item) : undefined;
  if (t !== undefined && Number.isInteger(t) && t > 0) return { taskId: t };
  if (i !== undefined && Number.isInteger(i) && i > 0) return { itemId: i };
  throw new LineError(file, where, 'needs a task_id or item_id (Input.task_id / Input.item_id from the crowd-csv export)');
}

function numberOrNull(v: string | undefined): number | null {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) ? n : null;
}

/** Answer.taskAnswers (crowd-html-elements JSON) or plain Answer.label / Answer.labels ("a|b") / Answer.spans (JSON). */
function mturkAnswer(r: Record<string, string>, project: Project, file: string, where: string): unknown {
  const json = (v: string, column: string) => {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      throw new LineError(file, where, `${column} is not valid JSON`);
    }
  };
  if (r['Answer.taskAnswers']) {
    const parsed = json(r['Answer.taskAnswers'], 'Answer.taskAnswers');
    const first = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown> | undefined;
    const answer = first?.label as { label?: unknown; labels?: unknown; entities?: unknown } | undefined;
    if (!answer) throw new LineError(file, where, 'Answer.taskAnswers has no "label" answer');
    if (answer.entities !== undefined) return { spans: entitiesToSpans(answer.entities, file, where) };
    if (answer.labels !== undefined) return { labels: answer.labels };
    return project.schema.kind === 'multi' ? { labels: [answer.label] } : { label: answer.label };
  }
  if (r['Answer.spans'] !== undefined) return { spans: json(r['Answer.spans'], 'Answer.spans') };
  if (r['Answer.labels'] !== undefined) return { labels: r['Answer.labels'] ? r['Answer.labels'].split('|') : [] };
  if (r['Answer.label'] !== undefined) return project.schema.kind === 'multi' ? { labels: r['Answer.label'].split('|').filter(Boolean) } : { label: r['Answer.label'] };
  throw new LineError(file, where, 'no answer column (Answer.taskAnswers, Answer.label, Answer.labels or Answer.spans)');
}

function entitiesToSpans(entities: unknown, file: string, where: string): unknown[] {
  if (!Array.isArray(entities)) throw new LineError(file, where, 'entities must be a list');
  return entities.map((e: { startOffset?: unknown; endOffset?: unknown; label?: unknown }) => ({ start: e.startOffset, end: e.endOffset, label: e.label }));
}

/** Label Studio JSON export: tasks with `data` (trove_task_id or trove_item_id) and `annotations` of choices/labels results. */
function parseLabelStudio(text: string, file: string, project: Project): ParsedAnswer[] {
  let tasks: unknown;
  try {
    tasks = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(tasks)) throw new InputError(`${file}: a Label Studio export is a JSON array of tasks`);
  const answers: ParsedAnswer[] = [];
  tasks.forEach((t: { id?: unknown; data?: Record<string, unknown>; annotations?: unknown }, i) => {
    const where = `task #${i + 1}`;
    if (!t || typeof t !== 'object' || !t.data) throw new LineError(file, where, 'has no "data"');
    const ids = inputIds(t.data.trove_task_id === undefined ? undefined : String(t.data.trove_task_id), t.data.trove_item_id === undefined ? undefined : String(t.data.trove_item_id), file, where);
    if (t.annotations !== undefined && !Array.isArray(t.annotations)) throw new LineError(file, where, '"annotations" must be a list');
    for (const [j, a] of ((t.annotations ?? []) as Array<Record<string, unknown>>).entries()) {
      const aw = `${where} annotation #${j + 1}`;
      if (a.was_cancelled) continue;
      const by = a.completed_by as { id?: unknown; email?: unknown } | number | string | undefined;
      const worker = typeof by === 'object' && by ? String(by.email ?? by.id ?? '') : String(by ?? '');
      if (!worker) throw new LineError(file, aw, 'has no completed_by');
      answers.push({ where: aw, ...ids, platform: 'labelstudio', workerId: worker, answerId: String(a.id ?? `${i}:${j}`), raw: labelStudioToResult(a.result, project, file, aw), workSeconds: typeof a.lead_time === 'number' ? a.lead_time : null });
    }
  });
  return answers;
}

function labelStudioToResult(result: unknown, project: Project, file: string, where: string): unknown {
  if (!Array.isArray(result)) throw new LineError(file, where, '"result" must be a list');
  const regions = result as Array<{ type?: string; value?: { choices?: unknown; labels?: unknown; start?: unknown; end?: unknown } }>;
  if (project.schema.kind === 'spans') {
    return { spans: regions.filter((r) => r.type === 'labels').map((r) => ({ start: r.value?.start, end: r.value?.end, label: Array.isArray(r.value?.labels) ? r.value?.labels[0] : undefined })) };
  }
  const choices = regions.filter((r) => r.type === 'choices').flatMap((r) => (Array.isArray(r.value?.choices) ? (r.value?.choices as unknown[]) : []));
  if (project.schema.kind === 'multi') return { labels: choices };
  if (choices.length !== 1) throw new LineError(file, where, `expected one choice, found ${choices.length}`);
  return { label: choices[0] };
}

/** A Ground Truth output manifest: the label attribute and its -metadata, one JSON object per line. */
function parseGroundTruth(text: string, file: string, project: Project): ParsedAnswer[] {
  const classes = project.schema.labels.map((l) => l.value);
  return jsonLines(text, file).map(({ value: o, where }) => {
    const metaKey = Object.keys(o).find((k) => k.endsWith('-metadata'));
    if (!metaKey) throw new LineError(file, where, 'no "<label attribute>-metadata" key');
    const attr = metaKey.slice(0, -'-metadata'.length);
    const meta = o[metaKey] as Record<string, unknown>;
    const value = o[attr];
    const itemId = o['trove-item-id'];
    if (typeof itemId !== 'number') throw new LineError(file, where, 'no "trove-item-id" (export with `trove projects export P --format groundtruth`)');
    const job = typeof meta['job-name'] === 'string' ? meta['job-name'] : attr;
    let raw: unknown;
    if (project.schema.kind === 'spans') {
      const entities = (value as { annotations?: { entities?: unknown } } | undefined)?.annotations?.entities;
      raw = { spans: entitiesToSpans(entities, file, where) };
    } else if (project.schema.kind === 'multi') {
      if (!Array.isArray(value)) throw new LineError(file, where, `"${attr}" must be a list of class indices`);
      raw = { labels: value.map((i) => classes[Number(i)] ?? `class ${String(i)}`) };
    } else {
      raw = { label: typeof meta['class-name'] === 'string' ? meta['class-name'] : (classes[Number(value)] ?? `class ${String(value)}`) };
    }
    return { where, itemId, platform: 'groundtruth', workerId: job.replace(/[^A-Za-z0-9_-]/g, '_'), answerId: `${job}:${itemId}`, raw, workSeconds: null };
  });
}

/** JSON Lines: {taskId | itemId, worker, result, platform?}. */
function parseJsonl(text: string, file: string): ParsedAnswer[] {
  return jsonLines(text, file).map(({ value: o, where }) => {
    if (typeof o.worker !== 'string' || !o.worker) throw new LineError(file, where, '"worker" (the external worker id) is missing');
    const ids = inputIds(o.taskId === undefined ? undefined : String(o.taskId), o.itemId === undefined ? undefined : String(o.itemId), file, where);
    if (o.result === undefined) throw new LineError(file, where, '"result" is missing');
    const platform = typeof o.platform === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(o.platform) ? o.platform : 'jsonl';
    return { where, ...ids, platform, workerId: o.worker, answerId: typeof o.id === 'string' ? o.id : where, raw: o.result, workSeconds: null };
  });
}

function jsonLines(text: string, file: string): Array<{ value: Record<string, unknown>; where: string }> {
  const out: Array<{ value: Record<string, unknown>; where: string }> = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const where = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new LineError(file, where, `not valid JSON (${(err as Error).message})`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new LineError(file, where, 'expected a JSON object');
    out.push({ value: value as Record<string, unknown>, where });
  });
  return out;
}
