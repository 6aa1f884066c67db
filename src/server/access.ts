import type { Express, Request, RequestHandler } from 'express';
import type { Knex } from 'knex';
import { ForbiddenError, TroveError } from '../core/errors.js';
import type { Role } from '../labeling/users.js';
import type { Hub } from '../hub.js';
import { authenticate, currentAuth, type AuthContext } from './auth.js';

/**
 * Who may call what: the one access rule of the HTTP API, applied to every route by
 * `applyAccessRule` when the app is built.
 *
 * - `public`: no login (health, login, logout, the crowd link's entry, the web UI's files).
 * - `signed-in`: any login, crowd sessions included. These routes answer only about the caller's
 *   own work: projects it is a member of (a crowd session: its one project, `mayOpenProject`),
 *   items it was served by `next` or annotated (`maySeeItem`), its own annotations.
 * - `staff`: admins and managers — sources, runs, items, snapshots, models, serving, projects'
 *   administration, review and statistics.
 * - `admin`: users and their API tokens.
 */
export type Access = 'public' | 'signed-in' | 'staff' | 'admin';

export const ACCESS: Readonly<Record<string, Access>> = {
  'GET /healthz': 'public',
  'GET /crowd/:token': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/logout': 'public',
  'GET /{*path}': 'public',

  'GET /api/auth/me': 'signed-in',
  'GET /api/projects': 'signed-in',
  'GET /api/projects/:name': 'signed-in',
  'GET /api/projects/:name/next': 'signed-in',
  'POST /api/tasks/:id/annotations': 'signed-in',
  'POST /api/tasks/:id/skip': 'signed-in',
  'GET /api/projects/:name/my-annotations': 'signed-in',
  'PUT /api/annotations/:id': 'signed-in',
  'GET /api/projects/:name/progress': 'signed-in',
  'GET /api/projects/:name/crowd-status': 'signed-in',
  'GET /api/items/:id/image': 'signed-in',

  'POST /api/projects': 'staff',
  'GET /api/projects/:name/members': 'staff',
  'POST /api/projects/:name/members': 'staff',
  'POST /api/projects/:name/gold': 'staff',
  'POST /api/projects/:name/priorities': 'staff',
  'GET /api/projects/:name/annotations': 'staff',
  'POST /api/annotations/:id/review': 'staff',
  'GET /api/projects/:name/stats': 'staff',
  'GET /api/projects/:name/aggregate': 'staff',
  'POST /api/projects/:name/crowd-link': 'staff',
  'DELETE /api/projects/:name/crowd-link': 'staff',
  'GET /api/projects/:name/crowd-workers': 'staff',
  'POST /api/projects/:name/crowd-workers/:worker/release': 'staff',
  'GET /api/projects/:name/flags': 'staff',
  'POST /api/projects/:name/flags/:id/resolve': 'staff',
  'GET /api/sources': 'staff',
  'GET /api/sources/:name': 'staff',
  'GET /api/source-kinds': 'staff',
  'POST /api/sources': 'staff',
  'PATCH /api/sources/:name': 'staff',
  'DELETE /api/sources/:name': 'staff',
  'POST /api/sources/:name/run': 'staff',
  'GET /api/runs': 'staff',
  'GET /api/runs/:id': 'staff',
  'POST /api/runs/:id/cancel': 'staff',
  'GET /api/runs/:id/errors': 'staff',
  'GET /api/runs/:id/workers': 'staff',
  'GET /api/items': 'staff',
  'GET /api/items/:id/history': 'staff',
  'GET /api/demo': 'staff',
  'POST /api/demo': 'staff',
  'GET /api/snapshots': 'staff',
  'GET /api/snapshots/:name': 'staff',
  'GET /api/models': 'staff',
  'GET /api/models/:name/:version': 'staff',
  'GET /api/models/:name/:version/report': 'staff',
  'ALL /api/serving/{*path}': 'staff',

  'GET /api/users': 'admin',
  'POST /api/users': 'admin',
  'POST /api/users/:name/tokens': 'admin',
  'GET /api/users/:name/tokens': 'admin',
  'DELETE /api/users/:name/tokens/:id': 'admin',
  'POST /api/users/:name/disable': 'admin',
  'POST /api/users/:name/enable': 'admin',
};

const ROLES_OF: Record<Exclude<Access, 'public'>, readonly Role[]> = {
  'signed-in': ['admin', 'manager', 'annotator'],
  staff: ['admin', 'manager'],
  admin: ['admin'],
};

export function isStaff(auth: AuthContext): boolean {
  return auth.projectId === null && ROLES_OF.staff.includes(auth.user.role);
}

/** A route of the app: `METHOD /full/path` as Express registered it (`ALL` for `app.all`). */
export interface RouteEntry {
  key: string;
  handlers: Array<{ handle: RequestHandler }>;
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: RequestHandler }> };
  handle: RequestHandler & { stack?: RouterLayer[] };
  rawPath?: unknown;
}

function joinPath(prefix: string, path: string): string {
  const joined = `${prefix.replace(/\/$/, '')}${path === '/' ? '' : path}`;
  return joined || '/';
}

function walk(stack: RouterLayer[], prefix: string, out: RouteEntry[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const methods = Object.keys(layer.route.methods).filter((m) => layer.route?.methods[m]);
      const method = methods.includes('_all') ? 'ALL' : methods.map((m) => m.toUpperCase()).join(',');
      out.push({ key: `${method} ${joinPath(prefix, layer.route.path)}`, handlers: layer.route.stack });
    } else if (layer.handle.stack) {
      walk(layer.handle.stack, joinPath(prefix, typeof layer.rawPath === 'string' ? layer.rawPath : '/'), out);
    }
  }
}

/** Every route of the app, mounted routers included. */
export function routesOf(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  walk((app.router as unknown as { stack: RouterLayer[] }).stack, '', out);
  return out;
}

class UnlistedRouteError extends TroveError {
  constructor(key: string) {
    super(`route ${key} has no entry in the access rule (src/server/access.ts)`, { status: 500, code: 'internal' });
  }
}

function roleCheck(access: Exclude<Access, 'public'>): (req: Request) => void {
  const roles = ROLES_OF[access];
  return (req) => {
    const auth = currentAuth(req);
    if (!roles.includes(auth.user.role) || (access !== 'signed-in' && auth.projectId !== null)) {
      throw new ForbiddenError(access === 'admin' ? 'this needs the admin role' : access === 'staff' ? 'this needs the admin or manager role' : 'forbidden');
    }
  };
}

/**
 * Puts the rule in front of every route of the app: the caller is resolved (401 without a
 * login) and its role checked (403) before the route's own handlers run. A route the table does
 * not list stops the app from being built, so no route can be added without deciding who may
 * call it.
 */
export function applyAccessRule(app: Express, hub: Hub): void {
  const resolve = authenticate(hub);
  for (const route of routesOf(app)) {
    const access = ACCESS[route.key];
    if (!access) throw new UnlistedRouteError(route.key);
    if (access === 'public') continue;
    const first = route.handlers[0];
    const inner = first.handle;
    const check = roleCheck(access);
    first.handle = async (req, res, next) => {
      await resolve(req);
      check(req);
      return inner(req, res, next);
    };
  }
}

/** A project the caller may open: staff any, annotators their memberships, a crowd session its one project. */
export async function mayOpenProject(auth: AuthContext, projectId: number, isMember: () => Promise<boolean>): Promise<boolean> {
  if (auth.projectId !== null) return auth.projectId === projectId;
  return isStaff(auth) || (await isMember());
}

/**
 * An item the caller may see: staff any; anyone else only items `next` served it (a lease it
 * holds or held) or it annotated, and a crowd session only within its project.
 */
export async function maySeeItem(db: Knex, auth: AuthContext, itemId: number): Promise<boolean> {
  if (isStaff(auth)) return true;
  const served = db('assignments').join('tasks', 'tasks.id', 'assignments.task_id').where({ 'tasks.item_id': itemId, 'assignments.user_id': auth.user.id });
  if (auth.projectId !== null) served.where('assignments.project_id', auth.projectId);
  const annotated = db('annotations').where({ item_id: itemId, user_id: auth.user.id });
  if (auth.projectId !== null) annotated.where('project_id', auth.projectId);
  return (await served.first('assignments.id')) !== undefined || (await annotated.first('id')) !== undefined;
}
