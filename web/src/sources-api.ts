import { api } from './dom.js';

export interface Source { id: number; name: string; kind: string; config: Record<string, unknown>; schedule: string | null; createdAt: string; updatedAt: string }
export interface SourceSummary extends Source { itemCount: number; lastRun: { id: number; status: string; finishedAt: string | null } | null }
export interface RunProgress { done?: number; total?: number; queued?: number; failed?: number; rate?: number; message?: string }
export interface Run {
  id: number; source: string; status: string; trigger: string; seen: number; inserted: number; updated: number; unchanged: number; failed: number;
  progress: RunProgress; stats: Record<string, number>; error: string | null; cancelRequested: boolean; worker: string | null;
  createdAt: string; startedAt: string | null; finishedAt: string | null; durationMs: number | null;
}
export interface RunError { location: string; message: string; at: string }
export interface RunWorker { worker: string; status: string; inserted: number; failed: number; joinedAt: string; finishedAt: string | null }
export interface Item { id: number; key: string; url: string | null; text: string | null; fields: Record<string, unknown>; fetchedAt: string }
export interface Kind { name: string; description: string }

const json = (method: string, body?: unknown): RequestInit => ({ method, body: body === undefined ? undefined : JSON.stringify(body) });
const enc = encodeURIComponent;

/** The source-management endpoints of the hub's API. */
export const sourcesApi = {
  kinds: async () => (await api<{ kinds: Kind[] }>('/api/source-kinds')).kinds,
  list: async () => (await api<{ sources: SourceSummary[] }>('/api/sources')).sources,
  get: (name: string) => api<{ source: Source; itemCount: number; runs: Run[] }>(`/api/sources/${enc(name)}`),
  create: (body: { kind: string; name: string; config: Record<string, unknown>; schedule?: string | null }) => api<{ source: Source }>('/api/sources', json('POST', body)),
  update: (name: string, patch: { config?: Record<string, unknown>; schedule?: string | null }) => api<{ source: Source }>(`/api/sources/${enc(name)}`, json('PATCH', patch)),
  remove: (name: string) => api<void>(`/api/sources/${enc(name)}`, json('DELETE')),
  runNow: async (name: string) => (await api<{ run: Run }>(`/api/sources/${enc(name)}/run`, json('POST'))).run,
  run: (id: number) => api<{ run: Run; errors: RunError[] }>(`/api/runs/${id}`),
  runErrors: async (id: number) => (await api<{ errors: RunError[] }>(`/api/runs/${id}/errors?limit=500`)).errors,
  runWorkers: async (id: number) => (await api<{ workers: RunWorker[] }>(`/api/runs/${id}/workers`)).workers,
  cancel: async (id: number) => (await api<{ run: Run }>(`/api/runs/${id}/cancel`, json('POST'))).run,
  items: (source: string, cursor: string | null) =>
    api<{ items: Item[]; nextCursor: string | null }>(`/api/items?source=${enc(source)}&limit=25${cursor ? `&cursor=${enc(cursor)}` : ''}`),
};
