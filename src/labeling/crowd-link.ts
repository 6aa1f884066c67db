import type { Knex } from 'knex';
import { InputError, NotFoundError } from '../core/errors.js';
import { fromJsonColumn } from '../core/json-column.js';
import { randomSecret } from './passwords.js';
import { setCrowdLink, type CrowdLink, type Project } from './projects.js';
import { openSession } from './sessions.js';
import { crowdWorker } from './users.js';

/**
 * Crowd links for platforms that send workers to an external URL with their id in a query
 * parameter (Prolific's PROLIFIC_PID, for instance). Each worker becomes an annotator of kind
 * `crowd`, gets up to `quota` tasks (gold items mixed in at the project's gold rate), and a
 * completion code once the quota is done and its gold accuracy is high enough. Opening the link
 * again keeps its token and completion code unless a new code is asked for.
 */
export async function enableCrowdLink(
  db: Knex,
  project: Project,
  opts: { param?: string; quota: number; completionCode?: string; newCode?: boolean; minGoldAccuracy?: number } | null,
): Promise<CrowdLink> {
  if (!opts) {
    await setCrowdLink(db, project.id, null);
    return project.crowd ?? { token: '', param: '', quota: 0, completionCode: '', minGoldAccuracy: 0 };
  }
  const link: CrowdLink = {
    token: project.crowd?.token ?? randomSecret(18),
    param: opts.param ?? 'PROLIFIC_PID',
    quota: opts.quota,
    // Workers already given the code must still be able to use it: it changes only when asked to.
    completionCode: opts.completionCode ?? (opts.newCode ? undefined : project.crowd?.completionCode) ?? randomSecret(6).toUpperCase().replace(/[^A-Z0-9]/g, 'X'),
    minGoldAccuracy: opts.minGoldAccuracy ?? 0,
  };
  await setCrowdLink(db, project.id, link);
  return link;
}

/** The address a worker opens: the hub's public URL, the link's token, and where the worker id goes. */
export function crowdLinkUrl(hubUrl: string, link: CrowdLink, workerId: string): string {
  return `${hubUrl.replace(/\/+$/, '')}/crowd/${link.token}?${link.param}=${workerId}`;
}

const WORKER_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A worker arrives through the link: a crowd user and a session bound to this project. */
export async function openCrowdSession(db: Knex, token: string, query: Record<string, unknown>): Promise<{ projectName: string; sessionToken: string }> {
  const rows: Array<{ id: number; name: string; crowd: string | null }> = await db('projects').whereNotNull('crowd').select('id', 'name', 'crowd');
  const match = rows.map((r) => ({ ...r, link: fromJsonColumn<CrowdLink | null>(r.crowd, null) })).find((r) => r.link?.token === token);
  if (!match?.link) throw new NotFoundError('crowd link', token.slice(0, 6) + '…');
  const workerId = query[match.link.param];
  if (typeof workerId !== 'string' || !WORKER_ID.test(workerId)) throw new InputError(`the link needs a worker id in the ${match.link.param} parameter`);
  const user = await crowdWorker(db, match.link.param, workerId);
  await db('project_members').insert({ project_id: match.id, user_id: user.id }).onConflict(['project_id', 'user_id']).ignore();
  const session = await openSession(db, user.id, match.id);
  return { projectName: match.name, sessionToken: session.token };
}

export interface CrowdStatus {
  done: number;
  quota: number | null;
  goldSeen: number;
  goldAccuracy: number | null;
  /** Given once the quota is done and gold accuracy is at least the project's minimum. */
  completionCode: string | null;
  passed: boolean | null;
}

export async function crowdStatus(db: Knex, project: Project, userId: number): Promise<CrowdStatus> {
  const row = await db('annotations')
    .where({ project_id: project.id, user_id: userId })
    .select(db.raw('count(*) as done'), db.raw('sum(case when is_gold = ? then 1 else 0 end) as gold', [true]), db.raw('sum(case when gold_correct = ? then 1 else 0 end) as correct', [true]))
    .first();
  const done = Number(row?.done ?? 0);
  const goldSeen = Number(row?.gold ?? 0);
  const goldAccuracy = goldSeen ? Number(row?.correct ?? 0) / goldSeen : null;
  const link = project.crowd;
  if (!link) return { done, quota: null, goldSeen, goldAccuracy, completionCode: null, passed: null };
  const finished = done >= link.quota;
  const passed = finished ? (goldAccuracy ?? 1) >= link.minGoldAccuracy : null;
  return { done, quota: link.quota, goldSeen, goldAccuracy, completionCode: finished && passed ? link.completionCode : null, passed };
}
