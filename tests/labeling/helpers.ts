import { Ingestor } from '../../src/core/ingest.js';
import { createSource } from '../../src/core/sources.js';
import type { Hub } from '../../src/hub.js';
import { createProject, type Project, type ProjectInput } from '../../src/labeling/projects.js';
import { createUser, type Role, type User } from '../../src/labeling/users.js';

let seq = 0;
export function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${++seq}`;
}

/** A source holding the given texts (keys k0, k1, …), ingested through the hub's listeners. */
export async function seedSource(hub: Hub, texts: string[], name = unique('src')): Promise<{ name: string; id: number }> {
  const source = await createSource(hub.store.db, { name, kind: 'file', config: { path: '/dev/null' } });
  await ingestTexts(hub, source.id, texts);
  return { name, id: source.id };
}

export async function ingestTexts(hub: Hub, sourceId: number, texts: string[], keyOffset = 0): Promise<void> {
  const ingestor = new Ingestor(hub.store, { sourceId, runId: null, listeners: hub.ingestListeners });
  for (const [i, text] of texts.entries()) await ingestor.add({ key: `k${i + keyOffset}`, text });
  await ingestor.flush();
}

export const sentimentSchema = { kind: 'single', labels: [{ value: 'pos' }, { value: 'neg' }] };

export async function seedProject(hub: Hub, texts: string[], opts: Partial<ProjectInput> = {}): Promise<Project> {
  const source = await seedSource(hub, texts);
  return createProject(hub.store.db, { name: unique('proj'), sources: [source.name], schema: sentimentSchema, ...opts });
}

export async function seedUsers(hub: Hub, n: number, role: Role = 'annotator'): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < n; i++) users.push(await createUser(hub.store.db, { name: unique(role), role }));
  return users;
}

export interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
}

export type NextReply = { task: { id: number }; item: { id: number; text: string | null } };
export type AnnotationReply = { annotation: { id: number; result: unknown; reviewStatus: string } };

/** A tiny HTTP client that keeps a session cookie and CSRF token like the web UI does. */
export class Client {
  cookie: string | undefined;
  csrf: string | undefined;
  constructor(
    readonly base: string,
    readonly bearer?: string,
  ) {}

  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    const res = await fetch(this.base + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
    this.keepCookies(res.headers.getSetCookie());
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('application/json');
    return { status: res.status, body: (json && text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  }

  /** Keeps the cookies the hub sets (a cookie cleared with an empty value is dropped), like a browser. */
  private keepCookies(setCookies: string[]): void {
    const jar = new Map((this.cookie ? this.cookie.split('; ') : []).map((c) => [c.slice(0, c.indexOf('=')), c] as const));
    for (const header of setCookies) {
      const pair = header.split(';')[0];
      const name = pair.slice(0, pair.indexOf('='));
      if (pair.endsWith('=')) jar.delete(name);
      else jar.set(name, pair);
    }
    this.cookie = jar.size ? [...jar.values()].join('; ') : undefined;
  }

  async login(username: string, password: string): Promise<Reply<{ csrfToken: string; user: { name: string; role: string } }>> {
    const res = await this.request<{ csrfToken: string; user: { name: string; role: string } }>('POST', '/api/auth/login', { username, password });
    if (res.status === 200) this.csrf = res.body.csrfToken;
    return res;
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = Record<string, unknown>>(path: string, body: unknown = {}) {
    return this.request<T>('POST', path, body);
  }
  put<T = Record<string, unknown>>(path: string, body: unknown) {
    return this.request<T>('PUT', path, body);
  }
}
