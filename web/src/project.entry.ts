import { api, el, table } from './dom.js';
import { chartPanel, emptyPanel, SERIES_COLORS, stat } from './charts.js';
import { itemSummary, type ListedItem } from './item-summary.js';
import { labeling, type LabelResult, type Project, type ProjectStats } from './labeling-api.js';
import { renderNav, requireSession, showFailure } from './session.js';

/** The manager's view of one project: progress, labels, agreement, annotators, and a review queue. */
interface ReviewAnnotation {
  id: number;
  user: string;
  result: LabelResult;
  reviewStatus: string;
  item: ListedItem;
  createdAt: string;
}

function describe(result: LabelResult, text: string | null): string {
  if ('label' in result) return result.label;
  if ('labels' in result) return result.labels.join(', ') || '(none)';
  return result.spans.map((s) => `${s.label}: “${(text ?? '').slice(s.start, s.end)}”`).join(' · ') || '(no spans)';
}

function card(value: string | number, caption: string): HTMLElement {
  return el('div', { class: 'card' }, el('div', { class: 'n' }, value), el('div', { class: 'muted' }, caption));
}

function progressChart(s: ProjectStats): HTMLElement {
  const p = s.progress;
  const started = Math.max(0, Math.min(p.items - p.complete, p.leased));
  const rest = Math.max(0, p.items - p.complete - started);
  return chartPanel('Progress', {
    type: 'doughnut',
    data: { labels: ['complete', 'being labeled', 'waiting'], datasets: [{ data: [p.complete, started, rest], backgroundColor: ['#1e8e4e', '#2f5fd0', '#e2e5ec'] }] },
    options: { plugins: { legend: { position: 'right' } } },
  }, ['state', 'items'], [['complete', p.complete], ['being labeled', started], ['waiting', rest]]);
}

function labelsChart(s: ProjectStats, project: Project): HTMLElement {
  if (s.labels.length === 0) return emptyPanel('Label distribution', 'No annotations yet.');
  const colorOf = new Map(project.schema.labels.map((l, i) => [l.value, l.color ?? SERIES_COLORS[i % SERIES_COLORS.length]]));
  return chartPanel('Label distribution', {
    type: 'bar',
    data: { labels: s.labels.map((l) => l.label), datasets: [{ label: 'annotations', data: s.labels.map((l) => l.count), backgroundColor: s.labels.map((l) => colorOf.get(l.label) ?? SERIES_COLORS[0]) }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  }, ['label', 'annotations'], s.labels.map((l) => [l.label, l.count]));
}

function agreementChart(s: ProjectStats): HTMLElement {
  const a = s.agreement;
  const note = `Overall: Fleiss κ ${stat(a.fleiss)} · Krippendorff α ${stat(a.krippendorffAlpha)}. — means too few items with two or more annotations.`;
  const computed = a.perLabel.some((l) => l.fleiss !== null || l.krippendorffAlpha !== null);
  if (!computed) return emptyPanel('Agreement per label', note);
  return chartPanel('Agreement per label', {
    type: 'bar',
    data: {
      labels: a.perLabel.map((l) => l.label),
      datasets: [
        { label: 'Fleiss κ', data: a.perLabel.map((l) => l.fleiss), backgroundColor: '#2f5fd0' },
        { label: 'Krippendorff α', data: a.perLabel.map((l) => l.krippendorffAlpha), backgroundColor: '#16a0a8' },
      ],
    },
    options: { scales: { y: { min: -1, max: 1 } } },
  }, ['label', 'Fleiss κ', 'Krippendorff α'], a.perLabel.map((l) => [l.label, stat(l.fleiss), stat(l.krippendorffAlpha)]), note);
}

function throughputChart(s: ProjectStats): HTMLElement {
  if (s.annotators.length === 0) return emptyPanel('Annotator throughput', 'No annotations yet.');
  return chartPanel('Annotator throughput', {
    type: 'bar',
    data: { labels: s.annotators.map((a) => a.name), datasets: [{ label: 'annotations', data: s.annotators.map((a) => a.annotations), backgroundColor: '#2f5fd0' }] },
    options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  }, ['annotator', 'kind', 'annotations', 'per hour', 'median seconds'], s.annotators.map((a) => [a.name, a.kind, a.annotations, stat(a.perHour, 1), stat(a.medianSeconds, 1)]));
}

function goldChart(s: ProjectStats): HTMLElement {
  const withGold = s.annotators.filter((a) => a.goldSeen > 0);
  if (withGold.length === 0) return emptyPanel('Accuracy on gold', 'No gold items answered yet. Mark known answers with POST /api/projects/NAME/gold and set a gold rate.');
  return chartPanel('Accuracy on gold', {
    type: 'bar',
    data: { labels: withGold.map((a) => a.name), datasets: [{ label: 'accuracy', data: withGold.map((a) => a.goldAccuracy), backgroundColor: withGold.map((a) => ((a.goldAccuracy ?? 0) >= 0.8 ? '#1e8e4e' : '#c0392b')) }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { min: 0, max: 1 } } },
  }, ['annotator', 'gold seen', 'correct', 'accuracy'], withGold.map((a) => [a.name, a.goldSeen, a.goldCorrect, stat(a.goldAccuracy)]));
}

function timelineChart(s: ProjectStats): HTMLElement {
  if (s.timeline.length === 0) return emptyPanel('Annotations per hour', 'No annotations yet.');
  return chartPanel('Annotations per hour', {
    type: 'bar',
    data: { labels: s.timeline.map((t) => t.hour.slice(5, 13).replace('T', ' ') + 'h'), datasets: [{ label: 'annotations', data: s.timeline.map((t) => t.annotations), backgroundColor: '#2f5fd0', maxBarThickness: 48 }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  }, ['hour (UTC)', 'annotations'], s.timeline.map((t) => [t.hour, t.annotations]));
}

function cohenTable(s: ProjectStats): HTMLElement | null {
  if (s.agreement.cohen.length === 0) return null;
  return el('div', {}, el('h2', {}, 'Pairwise agreement (Cohen’s κ)'), table(['annotator', 'annotator', 'shared items', 'κ'], s.agreement.cohen.map((c) => [c.a, c.b, c.items, stat(c.kappa)])));
}

async function reviewQueue(project: Project): Promise<HTMLElement> {
  const { annotations } = await api<{ annotations: ReviewAnnotation[] }>(`/api/projects/${encodeURIComponent(project.name)}/annotations?status=pending&limit=25`);
  const box = el('div', { class: 'review' }, el('h2', {}, 'Review queue'));
  if (annotations.length === 0) {
    box.append(el('p', { class: 'muted' }, 'Nothing waiting for review.'));
    return box;
  }
  const rows = annotations.map((a) => {
    const actions = el('span', { class: 'row-actions' });
    const send = (action: 'accept' | 'reject' | 'correct', result?: LabelResult): void => {
      api(`/api/annotations/${a.id}/review`, { method: 'POST', body: JSON.stringify({ action, result }) })
        .then(() => actions.replaceChildren(el('span', { class: 'muted' }, action === 'correct' ? `corrected to ${describe(result as LabelResult, a.item.text)}` : `${action}ed`)))
        .catch((err: unknown) => actions.replaceChildren(el('span', { class: 'error' }, (err as Error).message)));
    };
    for (const action of ['accept', 'reject'] as const) {
      const b = el('button', { type: 'button' }, action);
      b.addEventListener('click', () => send(action));
      actions.append(b);
    }
    if (project.schema.kind === 'single' && 'label' in a.result) {
      const current = a.result.label;
      const choice = el('select', { 'aria-label': 'correct to' }, ...project.schema.labels.filter((l) => l.value !== current).map((l) => el('option', { value: l.value }, l.value)));
      const b = el('button', { type: 'button' }, 'correct to');
      b.addEventListener('click', () => send('correct', { label: choice.value }));
      actions.append(b, choice);
    }
    return [a.user, itemSummary(a.item), describe(a.result, a.item.text), actions];
  });
  box.append(table(['annotator', 'item', 'answer', ''], rows));
  return box;
}

interface ReviewFlag {
  id: number;
  reason: string;
  origin: string;
  createdAt: string;
  item: ListedItem;
}

/** Items a trained model's label-noise finder sent back (`trove train --send-to-review`). */
async function flaggedItems(project: Project): Promise<HTMLElement | ''> {
  const base = `/api/projects/${encodeURIComponent(project.name)}/flags`;
  const { flags } = await api<{ flags: ReviewFlag[] }>(`${base}?limit=25`);
  if (flags.length === 0) return '';
  const rows = flags.map((f) => {
    const done = el('button', { type: 'button' }, 'resolved');
    const cell = el('span', { class: 'row-actions' }, done);
    done.addEventListener('click', () => {
      api(`${base}/${f.id}/resolve`, { method: 'POST', body: '{}' })
        .then(() => cell.replaceChildren(el('span', { class: 'muted' }, 'resolved')))
        .catch((err: unknown) => cell.replaceChildren(el('span', { class: 'error' }, (err as Error).message)));
    });
    return [itemSummary(f.item), f.reason, cell];
  });
  return el('div', { class: 'review' },
    el('h2', {}, 'Flagged by a model'),
    el('p', { class: 'muted' }, 'Likely mislabeled items; their reviewed annotations are back in the review queue below.'),
    table(['item', 'why', ''], rows));
}

async function main(): Promise<void> {
  const user = await requireSession();
  renderNav(user);
  const app = document.getElementById('app');
  const name = new URLSearchParams(location.search).get('name');
  if (!app) return;
  if (!name) {
    location.assign('/projects.html');
    return;
  }
  const [project, stats] = await Promise.all([labeling.project(name), labeling.stats(name)]);
  document.title = `${project.name} · Trove`;
  const p = stats.progress;
  app.replaceChildren(
    el('div', { class: 'task-head' }, el('h1', {}, project.name), el('a', { class: 'button primary', href: `/label.html?project=${encodeURIComponent(name)}` }, 'Label')),
    el('div', { class: 'cards' },
      card(`${p.items ? Math.round((100 * p.complete) / p.items) : 0}%`, `complete (${p.complete} of ${p.items} items)`),
      card(p.annotations, 'annotations'),
      card(stats.annotators.length, 'annotators'),
      card(stat(stats.agreement.krippendorffAlpha), 'Krippendorff α'),
      card(stat(stats.agreement.fleiss), 'Fleiss κ')),
    el('div', { class: 'charts' }, progressChart(stats), labelsChart(stats, project), agreementChart(stats), throughputChart(stats), goldChart(stats), timelineChart(stats)),
    cohenTable(stats) ?? '',
    await flaggedItems(project),
    await reviewQueue(project),
  );
}

main().catch(showFailure);
