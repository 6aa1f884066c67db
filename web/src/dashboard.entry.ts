import { api, el, table } from './dom.js';
import { labeling } from './labeling-api.js';
import { canManage, renderNav, requireSession, type SessionUser } from './session.js';
import { welcome } from './welcome.js';
import { runHref, sourceHref, when } from './when.js';

interface SourceSummary { name: string; kind: string; itemCount: number; schedule: string | null; lastRun: { id: number; status: string } | null }
interface Run { id: number; source: string; status: string; seen: number; inserted: number; updated: number; failed: number; startedAt: string | null }

async function render(user: SessionUser): Promise<void> {
  const app = document.getElementById('app');
  if (!app) return;
  const [{ sources }, { runs }, projects] = await Promise.all([
    api<{ sources: SourceSummary[] }>('/api/sources'),
    api<{ runs: Run[] }>('/api/runs?limit=20'),
    labeling.projects(),
  ]);
  const totalItems = sources.reduce((n, s) => n + s.itemCount, 0);
  app.replaceChildren(
    projects.length === 0 ? welcome(user) : '',
    el('div', { class: 'cards' },
      el('div', { class: 'card' }, el('div', { class: 'n' }, sources.length), el('div', { class: 'muted' }, 'sources')),
      el('div', { class: 'card' }, el('div', { class: 'n' }, totalItems), el('div', { class: 'muted' }, 'items')),
      el('div', { class: 'card' }, el('div', { class: 'n' }, runs.length), el('div', { class: 'muted' }, 'recent runs'))),
    el('h2', {}, 'Sources'),
    sources.length
      ? table(['Name', 'Kind', 'Items', 'Schedule', 'Last run'], sources.map((s) => [el('a', { href: sourceHref(s.name) }, s.name), s.kind, s.itemCount, s.schedule ?? '', s.lastRun ? el('a', { href: runHref(s.lastRun.id) }, `#${s.lastRun.id} ${s.lastRun.status}`) : '']))
      : el('p', { class: 'muted' }, 'No sources yet. Import a file: npx trove import data.csv --source my-data'),
    el('h2', {}, 'Recent runs'),
    table(['Run', 'Source', 'Status', 'Seen', 'Inserted', 'Updated', 'Failed', 'Started'], runs.map((r) => [el('a', { href: runHref(r.id) }, `#${r.id}`), el('a', { href: sourceHref(r.source) }, r.source), el('span', { class: `status-${r.status}` }, r.status), r.seen, r.inserted, r.updated, r.failed, when(r.startedAt)])),
  );
}

async function main(): Promise<void> {
  const user = await requireSession();
  if (!canManage(user)) {
    location.assign('/projects.html');
    return;
  }
  renderNav(user);
  await render(user);
  setInterval(() => {
    if (!document.querySelector('#demo-setup:disabled')) render(user).catch((err: unknown) => console.warn('refresh failed', err));
  }, 5000);
}

main().catch((err: unknown) => {
  document.getElementById('app')?.replaceChildren(el('p', { class: 'muted' }, `Could not load: ${(err as Error).message}`));
});
