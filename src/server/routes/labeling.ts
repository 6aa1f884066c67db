/**
 * The labeling API. Every route needs a session cookie (plus `x-csrf-token` on POST/PUT/DELETE)
 * or `Authorization: Bearer <token>`; 401 without, 403 when the role or membership is missing.
 * Annotators see only projects they are members of (crowd sessions: their one project);
 * managers and admins see all. Errors are `{error: {code, message, ...}}`.
 *
 * Shapes:
 *   Project  = {name, sources: string[], schema: {kind: 'single'|'multi'|'spans', labels: [{value, hotkey?, color, description?}],
 *               allowOverlap?}, instructions: string|null (Markdown source, untrusted: render it with marked + DOMPurify),
 *               overlap, goldRate, ordering: 'random'|'source'|'priority', leaseSeconds, hiddenFields: string[], filter?, crowd?: {...}}
 *               (filter and crowd: managers only)
 *   Item     = {id, text, fields, url}   (fields: without the project's hiddenFields when served to annotators)
 *   Result   = {label} | {labels: string[]} | {spans: [{start, end, label}]}   (UTF-16 offsets)
 *   Annotation = {id, clientId, taskId, itemId, user, result, reviewStatus: 'pending'|'accepted'|'rejected'|'corrected',
 *                 reviewResult: Result|null, createdAt, updatedAt}
 *
 * Annotators (members):
 *   GET  /api/projects                         → {projects: Project[]}
 *   GET  /api/projects/:name                   → {project: Project}
 *   GET  /api/projects/:name/next              → 200 {task: {id, leaseExpiresAt}, item: Item} · 204 nothing left for you
 *        (returns the lease you already hold first; crowd workers get 204 at their quota)
 *   POST /api/tasks/:id/annotations {id: uuid, result: Result}  → 201 {annotation} · replay of the same id 200 {annotation}
 *        409 when you do not hold the task · 422 {error: {message}} when the result breaks the schema
 *   POST /api/tasks/:id/skip                   → 204 · 409 when you do not hold it
 *   GET  /api/projects/:name/my-annotations?cursor=C&limit=N (before=ID also works) → {annotations: [{annotationId, taskId,
 *        item: Item, result, reviewStatus, createdAt, updatedAt}], nextCursor, nextBefore}   (newest first; null on the last page)
 *   PUT  /api/annotations/:id {result}         → {annotation}  (own annotations only; 422 as above)
 *   GET  /api/projects/:name/progress          → {progress: {items, complete, annotations, mine, leased}}
 *   GET  /api/projects/:name/crowd-status      → {done, quota, completionCode: string|null, goldSeen, goldAccuracy, passed}
 *        (gold figures and the code only once the quota is done; the code is the worker's own)
 *
 * Managers and admins:
 *   POST /api/projects {name, sources: string[], schema, overlap?, goldRate?, ordering?, filter?, leaseSeconds?, hiddenFields?} → 201 {project}
 *   POST /api/projects/:name/members {user}    → 204
 *   GET  /api/projects/:name/members           → {members: [{name, role, kind}]}
 *   POST /api/projects/:name/gold {gold: [{itemId, result}]} → {gold: n}
 *   POST /api/projects/:name/priorities {priorities: [{itemId, priority}]} → {updated: n}
 *   GET  /api/projects/:name/annotations?status=pending|accepted|rejected|corrected&user=NAME&cursor=C&limit=N (before=ID also works)
 *        → {annotations: [Annotation & {item: Item}], nextCursor, nextBefore} (newest first; null next* on the last page)
 *   POST /api/annotations/:id/review {action: 'accept'|'reject'|'correct', result?: Result} → {annotation}
 *   GET  /api/projects/:name/stats             → ProjectStats (src/labeling/stats.ts): {progress, labels: [{label, count}],
 *        agreement: {cohen: [{a, b, items, kappa}], fleiss, krippendorffAlpha, perLabel: [{label, fleiss, krippendorffAlpha}]},
 *        annotators: [{name, kind, annotations, goldSeen, goldCorrect, goldAccuracy, medianSeconds, perHour}],
 *        timeline: [{hour, annotations}]}
 *   GET  /api/projects/:name/aggregate?policy=majority|dawid-skene&limit=N → {results: [{itemId, label, labels?, spans?, confidence,
 *        annotations, source: 'majority'|'dawid-skene'|'gold'|'review'}], models: [{question, classes, priors, iterations,
 *        confusion: {annotator: number[][] (row = true class, column = given class)}}] (Dawid–Skene only)}
 *   POST /api/projects/:name/crowd-link {param?, quota, completionCode?, minGoldAccuracy?} → {link: {path, url, ...}}
 *        (url: TROVE_PUBLIC_URL + path, null when it is not set)
 *   DELETE /api/projects/:name/crowd-link      → 204
 *   GET  /api/projects/:name/crowd-workers     → {workers: [{worker, name, done, goldSeen, goldAccuracy, passed, completionCode}]}
 *   POST /api/projects/:name/crowd-workers/:worker/release → 204 (the next browser with that worker id may claim it)
 *
 * Public (no login): GET /crowd/:token?<param>=<worker id> opens a crowd session and redirects to
 *   /label.html?project=NAME.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { ForbiddenError } from '../../core/errors.js';
import type { Hub } from '../../hub.js';
import { aggregateProject, AGGREGATION_POLICIES, fitProject } from '../../labeling/aggregate.js';
import { annotatorItem } from '../../labeling/annotator-view.js';
import { crowdLinkUrl, crowdStatus, crowdWorkers, enableCrowdLink, releaseCrowdWorker } from '../../labeling/crowd-link.js';
import { addMember, createProject, getProject, getProjectById, isMember, hiddenFieldsSchema, itemFilterSchema, listProjects, ORDERINGS, setGold, setPriorities, type Project } from '../../labeling/projects.js';
import { editAnnotation, listAnnotations, projectIdOfAnnotation, projectProgress, REVIEW_ACTIONS, reviewAnnotation } from '../../labeling/review.js';
import { projectStats } from '../../labeling/stats.js';
import { getTaskContext, nextTask, skipTask, submitAnnotation } from '../../labeling/tasks.js';
import { getUser } from '../../labeling/users.js';
import { mayOpenProject, isStaff } from '../access.js';
import { currentAuth, forgetCredentials } from '../auth.js';
import { TtlCache } from '../ttl-cache.js';
import { parseInput } from '../validate.js';

const idParam = z.coerce.number().int().positive();
const submitBody = z.object({ id: z.string().min(8).max(100), result: z.unknown() });
const resultBody = z.object({ result: z.unknown() });
const reviewBody = z.object({ action: z.enum(REVIEW_ACTIONS), result: z.unknown().optional() });
const pageQuery = z.object({ before: z.coerce.number().int().positive().optional(), cursor: z.string().min(1).max(100).optional(), limit: z.coerce.number().int().min(1).max(500).optional() });
const annotationsQuery = pageQuery.extend({ status: z.enum(['pending', 'accepted', 'rejected', 'corrected']).optional(), user: z.string().min(1).optional() });
const createBody = z.object({
  name: z.string().min(1),
  sources: z.array(z.string().min(1)).min(1),
  schema: z.unknown(),
  overlap: z.number().int().min(1).max(100).optional(),
  goldRate: z.number().min(0).max(1).optional(),
  ordering: z.enum(ORDERINGS).optional(),
  filter: itemFilterSchema.nullable().optional(),
  leaseSeconds: z.number().int().min(5).optional(),
  hiddenFields: hiddenFieldsSchema.optional(),
});
const goldBody = z.object({ gold: z.array(z.object({ itemId: z.number().int().positive(), result: z.unknown() })).min(1).max(10_000) });
const prioritiesBody = z.object({ priorities: z.array(z.object({ itemId: z.number().int().positive(), priority: z.number().finite() })).min(1).max(100_000) });
const crowdBody = z.object({
  param: z.string().regex(/^[A-Za-z0-9_]{1,64}$/).optional(),
  quota: z.number().int().min(1).max(100_000),
  completionCode: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/).optional(),
  newCode: z.boolean().optional(),
  minGoldAccuracy: z.number().min(0).max(1).optional(),
});
const aggregateQuery = z.object({ policy: z.enum(AGGREGATION_POLICIES).optional(), limit: z.coerce.number().int().min(1).max(10_000).optional() });

const PROJECT_CACHE_MS = 1000;
const MEMBER_CACHE_MS = 60_000;

const isManager = (req: Request): boolean => isStaff(currentAuth(req));

/** A project as the caller may see it: annotators get neither the crowd link nor the item filter (it may name a hidden field's value). */
function publicProject(project: Project, forManager: boolean) {
  const { id: _id, crowd, filter, ...rest } = project;
  return forManager ? { ...rest, filter, crowd } : rest;
}

export function labelingRouter(hub: Hub): Router {
  const r = Router();
  const db = hub.store.db;

  // Projects change rarely and are read on every next and submit; a second-old copy is fine.
  const cache = new Map<string, { project: Project; at: number }>();
  async function cachedProject(key: string, load: () => Promise<Project>): Promise<Project> {
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < PROJECT_CACHE_MS) return hit.project;
    const project = await load();
    cache.set(key, { project, at: Date.now() });
    return project;
  }
  const projectByName = (name: string) => cachedProject(`n:${name}`, () => getProject(db, name));
  const projectById = (id: number) => cachedProject(`i:${id}`, () => getProjectById(db, id));

  /** The project if the caller may see it: managers all, annotators their memberships, crowd sessions their one project. */
  async function accessible(req: Request, project: Project): Promise<Project> {
    const auth = currentAuth(req);
    if (await mayOpenProject(auth, project.id, () => memberOf(project.id, auth.user.id))) return project;
    throw new ForbiddenError(`you are not a member of project ${project.name}`);
  }
  // Membership is checked on every next and submit and is never taken away, so a yes is kept
  // briefly; a no is asked again (the annotator may have just been added).
  const members = new TtlCache<string, true>(MEMBER_CACHE_MS);
  async function memberOf(projectId: number, userId: number): Promise<boolean> {
    const key = `${projectId}:${userId}`;
    if (members.get(key)) return true;
    const yes = await isMember(db, projectId, userId);
    if (yes) members.set(key, true);
    return yes;
  }
  const projectOf = async (req: Request) => accessible(req, await projectByName(String(req.params.name)));

  r.get('/projects', async (req, res) => {
    const auth = currentAuth(req);
    const projects =
      auth.projectId !== null ? [await getProjectById(db, auth.projectId)] : await listProjects(db, isManager(req) ? {} : { memberId: auth.user.id });
    res.json({ projects: projects.map((p) => publicProject(p, isManager(req))) });
  });

  r.post('/projects', async (req, res) => {
    const body = parseInput(createBody, req.body, 'project');
    const project = await createProject(db, body);
    res.status(201).json({ project: publicProject(project, true) });
  });

  r.get('/projects/:name', async (req, res) => {
    res.json({ project: publicProject(await projectOf(req), isManager(req)) });
  });

  r.get('/projects/:name/next', async (req, res) => {
    const project = await projectOf(req);
    const auth = currentAuth(req);
    const quota = auth.projectId !== null ? project.crowd?.quota : undefined;
    const next = await nextTask(db, project, auth.user.id, { quota });
    if (!next) res.status(204).end();
    else res.json({ ...next, item: annotatorItem(project, next.item) });
  });

  r.post('/tasks/:id/annotations', async (req, res) => {
    const user = currentAuth(req).user;
    const task = await getTaskContext(db, parseInput(idParam, req.params.id, 'task id'), user.id);
    const project = await accessible(req, await projectById(task.projectId));
    const body = parseInput(submitBody, req.body, 'annotation');
    const outcome = await submitAnnotation(db, project, task, user, { clientId: body.id, result: body.result });
    res.status(outcome.replay ? 200 : 201).json({ annotation: outcome.annotation });
  });

  r.post('/tasks/:id/skip', async (req, res) => {
    const task = await getTaskContext(db, parseInput(idParam, req.params.id, 'task id'));
    await accessible(req, await projectById(task.projectId));
    await skipTask(db, task.id, currentAuth(req).user.id);
    res.status(204).end();
  });

  r.get('/projects/:name/my-annotations', async (req, res) => {
    const project = await projectOf(req);
    const q = parseInput(pageQuery, req.query, 'query');
    const page = await listAnnotations(db, project, { ...q, userId: currentAuth(req).user.id });
    res.json({
      annotations: page.annotations.map((a) => ({ annotationId: a.id, taskId: a.taskId, item: annotatorItem(project, a.item), result: a.result, reviewStatus: a.reviewStatus, createdAt: a.createdAt, updatedAt: a.updatedAt })),
      nextCursor: page.nextCursor,
      nextBefore: page.nextBefore,
    });
  });

  r.put('/annotations/:id', async (req, res) => {
    const id = parseInput(idParam, req.params.id, 'annotation id');
    const project = await accessible(req, await getProjectById(db, await projectIdOfAnnotation(db, id)));
    const body = parseInput(resultBody, req.body, 'annotation');
    res.json({ annotation: await editAnnotation(db, project, id, currentAuth(req).user.id, body.result) });
  });

  r.get('/projects/:name/progress', async (req, res) => {
    const project = await projectOf(req);
    res.json({ progress: await projectProgress(db, project, currentAuth(req).user.id) });
  });

  r.get('/projects/:name/crowd-status', async (req, res) => {
    const project = await projectOf(req);
    res.json(await crowdStatus(db, project, currentAuth(req).user));
  });

  r.get('/projects/:name/members', async (req, res) => {
    const project = await projectOf(req);
    const members = await db('project_members').join('users', 'users.id', 'project_members.user_id').where('project_id', project.id).orderBy('users.name').select('users.name', 'users.role', 'users.kind');
    res.json({ members });
  });

  r.post('/projects/:name/members', async (req, res) => {
    const body = parseInput(z.object({ user: z.string().min(1) }), req.body, 'member');
    await addMember(db, String(req.params.name), body.user);
    res.status(204).end();
  });

  r.post('/projects/:name/gold', async (req, res) => {
    const project = await projectOf(req);
    const body = parseInput(goldBody, req.body, 'gold');
    res.json({ gold: await setGold(db, project, body.gold) });
  });

  r.post('/projects/:name/priorities', async (req, res) => {
    const project = await projectOf(req);
    const body = parseInput(prioritiesBody, req.body, 'priorities');
    res.json({ updated: await setPriorities(db, project.id, body.priorities) });
  });

  r.get('/projects/:name/annotations', async (req, res) => {
    const project = await projectOf(req);
    const q = parseInput(annotationsQuery, req.query, 'query');
    const userId = q.user ? (await getUser(db, q.user)).id : undefined;
    res.json(await listAnnotations(db, project, { ...q, userId }));
  });

  r.post('/annotations/:id/review', async (req, res) => {
    const id = parseInput(idParam, req.params.id, 'annotation id');
    const project = await getProjectById(db, await projectIdOfAnnotation(db, id));
    const body = parseInput(reviewBody, req.body, 'review');
    res.json({ annotation: await reviewAnnotation(db, project, id, currentAuth(req).user.id, body.action, body.result) });
  });

  r.get('/projects/:name/stats', async (req, res) => {
    res.json(await projectStats(db, await projectOf(req)));
  });

  r.get('/projects/:name/aggregate', async (req, res) => {
    const project = await projectOf(req);
    const q = parseInput(aggregateQuery, req.query, 'query');
    const results = [];
    for await (const r of aggregateProject(hub.store, project.name, q.policy ?? 'majority')) {
      results.push(r);
      if (results.length >= (q.limit ?? 1000)) break;
    }
    const models = q.policy === 'dawid-skene' && project.schema.kind !== 'spans' ? (await fitProject(db, project.id, project.schema)).models : [];
    res.json({
      results,
      models: models.map((m) => ({ question: m.question, classes: m.model.classes, priors: m.model.priors, iterations: m.model.iterations, confusion: Object.fromEntries(m.model.confusion) })),
    });
  });

  r.post('/projects/:name/crowd-link', async (req, res) => {
    const project = await projectOf(req);
    const body = parseInput(crowdBody, req.body, 'crowd link');
    const link = await enableCrowdLink(db, project, body);
    // Never from the request's Host header, which the caller chooses: a link made through a
    // crafted host would send workers elsewhere. Without TROVE_PUBLIC_URL only the path is known.
    const path = `/crowd/${link.token}?${link.param}={{${link.param}}}`;
    const publicUrl = hub.config.publicUrl;
    res.json({ link: { ...link, path, url: publicUrl ? crowdLinkUrl(publicUrl, link, `{{${link.param}}}`) : null } });
  });

  r.delete('/projects/:name/crowd-link', async (req, res) => {
    const project = await projectOf(req);
    await enableCrowdLink(db, project, null);
    res.status(204).end();
  });

  r.get('/projects/:name/crowd-workers', async (req, res) => {
    res.json({ workers: await crowdWorkers(db, await projectOf(req)) });
  });

  r.post('/projects/:name/crowd-workers/:worker/release', async (req, res) => {
    await releaseCrowdWorker(db, await projectOf(req), String(req.params.worker));
    forgetCredentials(hub);
    res.status(204).end();
  });

  return r;
}
