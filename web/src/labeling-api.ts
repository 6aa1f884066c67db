import { api } from './dom.js';
import type { Span } from './spans.js';

/** The labeling API as the UI uses it (shapes from src/server/routes/labeling.ts). */
export type SchemaKind = 'single' | 'multi' | 'spans';

export interface LabelDef {
  value: string;
  hotkey?: string | null;
  color?: string | null;
}

export interface LabelSchema {
  kind: SchemaKind;
  labels: LabelDef[];
  allowOverlap?: boolean;
}

export interface Project {
  name: string;
  sources: string[];
  schema: LabelSchema;
  instructions: string | null;
  overlap: number;
  goldRate: number;
  ordering: 'random' | 'source' | 'priority';
}

export interface Item {
  id: number;
  text: string | null;
  fields: Record<string, unknown>;
  url: string | null;
}

export type LabelResult = { label: string } | { labels: string[] } | { spans: Span[] };

export interface NextTask {
  task: { id: number };
  item: Item;
}

export interface Progress {
  items: number;
  complete: number;
  annotations: number;
  mine: number;
  leased: number;
}

export interface CrowdStatus {
  done: number;
  /** Null when the project has no crowd link (any more). */
  quota: number | null;
  completionCode: string | null;
  goldAccuracy: number | null;
  /** Null until the quota is done; false when gold accuracy fell short of the project's minimum. */
  passed: boolean | null;
}

export interface HistoryEntry {
  annotationId: number;
  taskId: number;
  item: Item;
  result: LabelResult;
  reviewStatus: 'pending' | 'accepted' | 'rejected' | 'corrected';
  createdAt: string;
  updatedAt: string;
}

/** POST /api/tasks/:id/annotations answers with the stored annotation (also on an idempotent replay). */
export interface SubmittedAnnotation {
  annotation: { id: number; taskId: number; result: LabelResult; reviewStatus: HistoryEntry['reviewStatus']; createdAt: string; updatedAt: string };
}

export interface AnnotatorStats {
  name: string;
  kind: 'human' | 'crowd';
  annotations: number;
  goldSeen: number;
  goldCorrect: number;
  goldAccuracy: number | null;
  medianSeconds: number | null;
  perHour: number | null;
}

export interface ProjectStats {
  progress: Progress;
  labels: Array<{ label: string; count: number }>;
  agreement: {
    cohen: Array<{ a: string; b: string; items: number; kappa: number | null }>;
    fleiss: number | null;
    krippendorffAlpha: number | null;
    perLabel: Array<{ label: string; fleiss: number | null; krippendorffAlpha: number | null }>;
  };
  annotators: AnnotatorStats[];
  timeline: Array<{ hour: string; annotations: number }>;
}

const enc = encodeURIComponent;

export const labeling = {
  projects: () => api<{ projects: Project[] }>('/api/projects').then((r) => r.projects),
  project: (name: string) => api<{ project: Project }>(`/api/projects/${enc(name)}`).then((r) => r.project),
  next: (name: string) => api<NextTask | undefined>(`/api/projects/${enc(name)}/next`),
  submit: (taskId: number, clientId: string, result: LabelResult) =>
    api<SubmittedAnnotation>(`/api/tasks/${taskId}/annotations`, { method: 'POST', body: JSON.stringify({ id: clientId, result }) }),
  skip: (taskId: number) => api(`/api/tasks/${taskId}/skip`, { method: 'POST', body: '{}' }),
  edit: (annotationId: number, result: LabelResult) =>
    api(`/api/annotations/${annotationId}`, { method: 'PUT', body: JSON.stringify({ result }) }),
  /** One's own annotations, newest first (the last 500: the history the arrow keys walk). */
  history: (name: string) => api<{ annotations: HistoryEntry[] }>(`/api/projects/${enc(name)}/my-annotations?limit=500`).then((r) => r.annotations),
  progress: (name: string) => api<{ progress: Progress }>(`/api/projects/${enc(name)}/progress`).then((r) => r.progress),
  crowdStatus: (name: string) => api<CrowdStatus>(`/api/projects/${enc(name)}/crowd-status`),
  stats: (name: string) => api<ProjectStats>(`/api/projects/${enc(name)}/stats`),
};

/** A v4 UUID for idempotent submits; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function clientId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const IMAGE_FIELDS = ['image', 'image_url', 'imageUrl'];
const IMAGE_PATH = /\.(?:png|jpe?g|gif|webp|avif|bmp)$/i;

/** Mirrors the image proxy's rule (src/server/routes/image-proxy.ts) for which items show an image. */
export function hasImage(item: Item): boolean {
  if (IMAGE_FIELDS.some((f) => typeof item.fields[f] === 'string' && /^https?:\/\//i.test(item.fields[f] as string))) return true;
  if (!item.url) return false;
  try {
    return IMAGE_PATH.test(new URL(item.url).pathname);
  } catch {
    return false;
  }
}
