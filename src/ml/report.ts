import type { Lineage } from './artifact.js';
import type { EpochLog } from './diagnosis.js';
import { prCurve, rocCurve, scoresOf, type CurvePoint, type SplitMetrics } from './metrics.js';

export interface TrialRow {
  id: number;
  params: Record<string, unknown>;
  mean: number;
  std: number;
  epochs: number;
  best?: boolean;
}

export interface ReportInput {
  name: string;
  lineage: Lineage;
  metrics: { val: SplitMetrics; test: SplitMetrics | null; history: EpochLog[]; bestEpoch: number; diagnosis: { text: string[] }; architecture: string; backend: string };
  curves: ReportCurves | null;
  trials: TrialRow[] | null;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

/** A self-contained HTML report: inline CSS and SVG plots, no script and nothing fetched. */
export function renderReport(input: ReportInput): string {
  const { metrics, lineage } = input;
  const sections = [
    `<h1>Model ${esc(input.name)}</h1>`,
    `<p class="meta">snapshot ${esc(lineage.snapshot ? `${lineage.snapshot.name} (${lineage.snapshot.hash.slice(0, 12)})` : 'none')} · seed ${lineage.seed} · ${esc(metrics.architecture)} on ${esc(metrics.backend)} · code ${esc(lineage.codeVersion)} · ${esc(lineage.createdAt)} · rows train ${lineage.rows.train} / val ${lineage.rows.val} / test ${lineage.rows.test}</p>`,
    `<h2>Diagnosis</h2><ul>${metrics.diagnosis.text.map((t) => `<li>${esc(t)}</li>`).join('')}</ul>`,
    `<h2>Metrics</h2>${summaryTable(metrics.val, metrics.test)}`,
    metrics.test ? `<h2>Per ${metrics.test.multiLabel ? 'label' : 'class'} (test)</h2>${perClassTable(metrics.test)}` : '',
    `<h2>Learning curves</h2><div class="row">${lineChart('Loss', [
      { name: 'train', points: metrics.history.map((h) => ({ x: h.epoch, y: h.loss })) },
      { name: 'validation', points: metrics.history.map((h) => ({ x: h.epoch, y: h.valLoss })) },
    ], 'epoch')}${lineChart('Accuracy', [
      { name: 'train', points: metrics.history.map((h) => ({ x: h.epoch, y: h.accuracy })) },
      { name: 'validation', points: metrics.history.map((h) => ({ x: h.epoch, y: h.valAccuracy })) },
    ], 'epoch')}</div><p class="meta">best epoch: ${metrics.bestEpoch}</p>`,
    metrics.test ? `<h2>Confusion matrix (test${metrics.test.multiLabel ? ', every yes/no decision of every label' : ''})</h2>${heatmap(metrics.test.confusion)}` : '',
    input.curves ? curvesSection(input.curves) : '',
    input.trials ? `<h2>Trials</h2>${trialTable(input.trials)}` : '',
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(input.name)} — Trove model report</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#111;max-width:1100px}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}th:first-child,td:first-child{text-align:left}.meta{color:#555}.row{display:flex;flex-wrap:wrap;gap:1rem}svg text{font:11px system-ui,sans-serif}tr.best{background:#ecfdf5}</style>
</head><body>${sections.join('\n')}</body></html>\n`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function num(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits);
}

function summaryTable(val: SplitMetrics, test: SplitMetrics | null): string {
  const rows: Array<[string, (m: SplitMetrics) => string]> = [
    ['rows', (m) => String(m.n)],
    ['accuracy', (m) => num(m.accuracy)],
    ['macro F1', (m) => num(m.macroF1)],
    ['weighted F1', (m) => num(m.weightedF1)],
    ['ROC AUC', (m) => num(m.rocAuc)],
    ['PR AUC', (m) => num(m.prAuc)],
    ['log loss', (m) => num(m.logLoss)],
    ['calibration error', (m) => num(m.calibrationError)],
  ];
  if (val.multiLabel) {
    rows.splice(2, 0, ['Hamming loss', (m) => num(m.multiLabel?.hammingLoss)], ['micro F1', (m) => num(m.multiLabel?.microF1)]);
    rows[1] = ['subset accuracy (exact set)', (m) => num(m.accuracy)];
  }
  const head = `<tr><th></th><th>validation</th>${test ? '<th>test</th>' : ''}</tr>`;
  return `<table>${head}${rows.map(([label, f]) => `<tr><td>${label}</td><td>${f(val)}</td>${test ? `<td>${f(test)}</td>` : ''}</tr>`).join('')}</table>`;
}

function perClassTable(m: SplitMetrics): string {
  const rows = Object.entries(m.perClass).map(([label, c]) => `<tr><td>${esc(label)}</td><td>${num(c.precision, 3)}</td><td>${num(c.recall, 3)}</td><td>${num(c.f1, 3)}</td><td>${c.support}</td></tr>`);
  return `<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>${rows.join('')}</table>`;
}

function heatmap(confusion: SplitMetrics['confusion']): string {
  const max = Math.max(1, ...confusion.matrix.flat());
  const head = `<tr><th>true \\ predicted</th>${confusion.labels.map((l) => `<th>${esc(l)}</th>`).join('')}</tr>`;
  const rows = confusion.matrix.map((row, i) => {
    const cells = row.map((v) => {
      const a = v / max;
      return `<td style="background:rgba(37,99,235,${a.toFixed(3)});color:${a > 0.5 ? '#fff' : '#111'}">${v}</td>`;
    });
    return `<tr><th>${esc(confusion.labels[i])}</th>${cells.join('')}</tr>`;
  });
  return `<table>${head}${rows.join('')}</table>`;
}

/** Test-split probabilities with, per class or label, which rows are its positives. */
export interface ReportCurves {
  labels: string[];
  positives: Uint8Array[];
  probs: Float32Array;
  multiLabel: boolean;
}

function curvesSection(c: ReportCurves): string {
  const k = c.labels.length;
  const classes = k === 2 && !c.multiLabel ? [1] : c.labels.map((_, i) => i);
  const roc = classes.map((cls) => ({ name: c.labels[cls], points: rocCurve(scoresOf(c.probs, k, cls), c.positives[cls]) ?? [] }));
  const pr = classes.map((cls) => ({ name: c.labels[cls], points: prCurve(scoresOf(c.probs, k, cls), c.positives[cls]) ?? [] }));
  const scope = c.multiLabel ? ', per label' : k > 2 ? ', one-vs-rest' : '';
  return `<h2>ROC and precision–recall (test${scope})</h2><div class="row">${lineChart('ROC', roc, 'false positive rate', [0, 1])}${lineChart('Precision–recall', pr, 'recall', [0, 1])}</div>`;
}

function trialTable(trials: TrialRow[]): string {
  const rows = trials.map((t) => `<tr class="${t.best ? 'best' : ''}"><td>${t.id}</td><td>${esc(JSON.stringify(t.params))}</td><td>${num(t.mean)}</td><td>${num(t.std)}</td><td>${t.epochs}</td></tr>`);
  return `<table><tr><th>trial</th><th>parameters</th><th>val macro F1 mean</th><th>std</th><th>epochs</th></tr>${rows.join('')}</table>`;
}

function lineChart(title: string, series: Array<{ name: string; points: CurvePoint[] }>, xLabel: string, yRange?: [number, number]): string {
  const W = 420;
  const H = 260;
  const m = { l: 44, r: 10, t: 22, b: 34 };
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y));
  if (all.length === 0) return '';
  const xMin = Math.min(...all.map((p) => p.x));
  const xMax = Math.max(...all.map((p) => p.x));
  const [yMin, yMax] = yRange ?? [Math.min(0, ...all.map((p) => p.y)), Math.max(...all.map((p) => p.y)) || 1];
  const sx = (x: number) => m.l + ((x - xMin) / (xMax - xMin || 1)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - yMin) / (yMax - yMin || 1)) * (H - m.t - m.b);
  const lines = series.map((s, i) => {
    const d = s.points.filter((p) => Number.isFinite(p.y)).map((p, j) => `${j ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.6"/>`;
  });
  const legend = series.map((s, i) => `<text x="${m.l + 6 + (i % 4) * 95}" y="${m.t + 12 + Math.floor(i / 4) * 13}" fill="${COLORS[i % COLORS.length]}">${esc(s.name)}</text>`);
  const ticks = [0, 0.5, 1].map((f) => {
    const y = yMin + f * (yMax - yMin);
    return `<text x="${m.l - 4}" y="${sy(y) + 4}" text-anchor="end">${y.toFixed(2)}</text>`;
  });
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">
<text x="${W / 2}" y="14" text-anchor="middle" font-weight="bold">${esc(title)}</text>
<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#ccc"/>
${ticks.join('')}<text x="${m.l}" y="${H - 18}">${num(xMin, 2)}</text><text x="${W - m.r}" y="${H - 18}" text-anchor="end">${num(xMax, 2)}</text>
<text x="${W / 2}" y="${H - 4}" text-anchor="middle">${esc(xLabel)}</text>${lines.join('')}${legend.join('')}</svg>`;
}
