import { api, el, table } from './dom.js';
import { renderNav, requireSession, showFailure } from './session.js';

/**
 * The snapshots and models page: every frozen snapshot with its datasheet figures, and every
 * registered model version with its metrics and a link to its report.
 */
interface Snapshot {
  name: string;
  contentHash: string;
  rowCount: number;
  createdAt: string;
  datasheet: { classes: number; labelDistribution: Record<string, number>; sources: Array<{ name: string; licence: string | null }> };
}

interface SplitScore {
  accuracy: number;
  macroF1: number;
}

interface Model {
  name: string;
  version: number;
  createdAt: string | null;
  snapshot: { name: string; hash: string } | null;
  metrics: { val?: SplitScore; test?: SplitScore | null } | null;
}

const pct = (x: number | undefined) => (x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);

async function main(): Promise<void> {
  const user = await requireSession();
  renderNav(user);
  const [{ snapshots }, { models }] = await Promise.all([api<{ snapshots: Snapshot[] }>('/api/snapshots'), api<{ models: Model[] }>('/api/models')]);
  const app = document.getElementById('app') as HTMLElement;
  app.replaceChildren(
    el('h1', {}, 'Snapshots'),
    snapshots.length === 0
      ? el('p', { class: 'muted' }, 'No snapshot yet: trove snapshots create NAME --project P (or --source S --label-field F).')
      : table(['Name', 'Rows', 'Classes', 'Labels', 'Sources (licence)', 'Hash', 'Created'], snapshots.map((s) => [
          s.name, s.rowCount, s.datasheet.classes,
          Object.entries(s.datasheet.labelDistribution).map(([l, n]) => `${l}: ${n}`).join(', '),
          s.datasheet.sources.map((src) => `${src.name} (${src.licence ?? 'licence not recorded'})`).join(', '),
          el('code', {}, s.contentHash.slice(0, 12)), s.createdAt,
        ])),
    el('h1', {}, 'Models'),
    models.length === 0
      ? el('p', { class: 'muted' }, 'No model yet: trove train --snapshot NAME registers one.')
      : table(['Model', 'Version', 'Snapshot', 'Val accuracy', 'Test accuracy', 'Test macro F1', 'Created', 'Report'], models.map((m) => [
          m.name, m.version, m.snapshot?.name ?? '—', pct(m.metrics?.val?.accuracy), pct(m.metrics?.test?.accuracy ?? undefined),
          pct(m.metrics?.test?.macroF1 ?? undefined), m.createdAt ?? '—',
          el('a', { href: `/api/models/${encodeURIComponent(m.name)}/${m.version}/report`, target: '_blank', rel: 'noopener' }, 'report'),
        ])),
  );
}

main().catch(showFailure);
