import { createHmac } from 'node:crypto';
import type { Knex } from 'knex';
import { ConflictError, InputError, NotFoundError } from '../core/errors.js';
import { fromJsonColumn } from '../core/json-column.js';
import { randomSecret } from './passwords.js';
import { setCrowdLink, type CrowdLink, type Project } from './projects.js';
import { openSession } from './sessions.js';
import { crowdWorker, sha256, userFromRow, type User, type UserRow } from './users.js';

/**
 * Crowd links for platforms that send workers to an external URL with their id in a query
 * parameter (Prolific's PROLIFIC_PID, for instance). Each worker becomes an annotator of kind
 * `crowd`, gets up to `quota` tasks (gold items mixed in at the project's gold rate), and a
 * completion code once the quota is done and its gold accuracy is high enough. The code is the
 * worker's own (`completionCodeFor`), so one worker's code is worth nothing to another, and the
 * gold accuracy is shown only at the end, so a worker cannot tell which items were gold.
 * Opening the link again keeps its token and completion code unless a new code is asked for.
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

/**
 * A worker's completion code: an HMAC of its worker id under the link's completion code, which
 * workers never see. The manager recomputes it (`crowdWorkers`) to check a submission.
 */
export function completionCodeFor(link: CrowdLink, externalId: string): string {
  return createHmac('sha256', link.completionCode).update(`${link.token}\n${externalId}`).digest('hex').slice(0, 12).toUpperCase();
}

async function linkOf(db: Knex, token: string): Promise<{ id: number; name: string; link: CrowdLink }> {
  const rows: Array<{ id: number; name: string; crowd: string | null }> = await db('projects').whereNotNull('crowd').select('id', 'name', 'crowd');
  const match = rows.map((r) => ({ ...r, link: fromJsonColumn<CrowdLink | null>(r.crowd, null) })).find((r) => r.link?.token === token);
  if (!match?.link) throw new NotFoundError('crowd link', token.slice(0, 6) + '…');
  return { id: match.id, name: match.name, link: match.link };
}

/**
 * The worker id is bound to the first browser that claims it (`browserSecret`, a cookie of that
 * browser); another browser typing the same id is refused until a manager releases the worker.
 */
async function claimWorker(db: Knex, user: User, browserSecret: string): Promise<void> {
  const hash = sha256(browserSecret);
  await db('users').where({ id: user.id }).whereNull('browser_hash').update({ browser_hash: hash });
  const row: Pick<UserRow, 'browser_hash'> | undefined = await db('users').where({ id: user.id }).first('browser_hash');
  if (row?.browser_hash !== hash) {
    throw new ConflictError('this worker id is already in use in another browser; ask the study\'s researcher to release it if it is yours');
  }
}

/** A worker arrives through the link: a crowd user and a session bound to this project. */
export async function openCrowdSession(db: Knex, token: string, query: Record<string, unknown>, browserSecret: string): Promise<{ projectName: string; sessionToken: string }> {
  const match = await linkOf(db, token);
  const workerId = query[match.link.param];
  if (typeof workerId !== 'string' || !WORKER_ID.test(workerId)) throw new InputError(`the link needs a worker id in the ${match.link.param} parameter`);
  const user = await crowdWorker(db, match.link.param, workerId);
  await claimWorker(db, user, browserSecret);
  await db('project_members').insert({ project_id: match.id, user_id: user.id }).onConflict(['project_id', 'user_id']).ignore();
  const session = await openSession(db, user.id, match.id);
  return { projectName: match.name, sessionToken: session.token };
}

async function crowdMember(db: Knex, project: Project, workerId: string): Promise<User> {
  const link = project.crowd;
  const row: UserRow | undefined = link
    ? await db('users')
        .join('project_members', 'project_members.user_id', 'users.id')
        .where({ 'project_members.project_id': project.id, 'users.kind': 'crowd', 'users.external_id': `${link.param}:${workerId}` })
        .first('users.*')
    : undefined;
  if (!row) throw new NotFoundError(`crowd worker of project ${project.name}`, workerId);
  return userFromRow(row);
}

/** Lets the next browser that arrives with this worker id claim it; the sessions it had end. */
export async function releaseCrowdWorker(db: Knex, project: Project, workerId: string): Promise<void> {
  const user = await crowdMember(db, project, workerId);
  await db.transaction(async (trx) => {
    await trx('users').where({ id: user.id }).update({ browser_hash: null });
    await trx('sessions').where({ user_id: user.id }).del();
  });
}

export interface CrowdWorkerSummary {
  worker: string;
  name: string;
  done: number;
  goldSeen: number;
  goldAccuracy: number | null;
  passed: boolean | null;
  /** The code this worker was shown, once it earned it: what its submission must carry. */
  completionCode: string | null;
}

/** The crowd workers of a project with their progress and, once earned, their completion code. */
export async function crowdWorkers(db: Knex, project: Project): Promise<CrowdWorkerSummary[]> {
  const rows: UserRow[] = await db('users')
    .join('project_members', 'project_members.user_id', 'users.id')
    .where({ 'project_members.project_id': project.id, 'users.kind': 'crowd' })
    .orderBy('users.id')
    .select('users.*');
  const out: CrowdWorkerSummary[] = [];
  for (const row of rows) {
    const score = await goldScore(db, project, row.id);
    const status = statusOf(project.crowd, score, userFromRow(row));
    const externalId = row.external_id ?? '';
    out.push({ worker: externalId.slice(externalId.indexOf(':') + 1), name: row.name, done: score.done, goldSeen: score.goldSeen, goldAccuracy: score.goldAccuracy, passed: status.passed, completionCode: status.completionCode });
  }
  return out;
}

export interface CrowdStatus {
  done: number;
  quota: number | null;
  /** Gold items seen and the share right: null until the quota is done. */
  goldSeen: number | null;
  goldAccuracy: number | null;
  /** Given once the quota is done and gold accuracy is at least the project's minimum. */
  completionCode: string | null;
  passed: boolean | null;
}

interface GoldScore {
  done: number;
  goldSeen: number;
  goldAccuracy: number | null;
}

async function goldScore(db: Knex, project: Project, userId: number): Promise<GoldScore> {
  const row = await db('annotations')
    .where({ project_id: project.id, user_id: userId })
    .select(db.raw('count(*) as done'), db.raw('sum(case when is_gold = ? then 1 else 0 end) as gold', [true]), db.raw('sum(case when gold_correct = ? then 1 else 0 end) as correct', [true]))
    .first();
  const done = Number(row?.done ?? 0);
  const goldSeen = Number(row?.gold ?? 0);
  return { done, goldSeen, goldAccuracy: goldSeen ? Number(row?.correct ?? 0) / goldSeen : null };
}

function statusOf(link: CrowdLink | null, { done, goldSeen, goldAccuracy }: GoldScore, user: User): CrowdStatus {
  if (!link) return { done, quota: null, goldSeen: null, goldAccuracy: null, completionCode: null, passed: null };
  if (done < link.quota) return { done, quota: link.quota, goldSeen: null, goldAccuracy: null, completionCode: null, passed: null };
  const passed = (goldAccuracy ?? 1) >= link.minGoldAccuracy;
  const code = passed && user.kind === 'crowd' && user.externalId ? completionCodeFor(link, user.externalId) : null;
  return { done, quota: link.quota, goldSeen, goldAccuracy, completionCode: code, passed };
}

/** What a worker is told of its own work. */
export async function crowdStatus(db: Knex, project: Project, user: User): Promise<CrowdStatus> {
  return statusOf(project.crowd, await goldScore(db, project, user.id), user);
}
