import type { Knex } from 'knex';
import { InputError } from '../core/errors.js';
import type { Store } from '../core/store.js';
import { streamByItem, type StoredAnnotation } from './annotation-stream.js';
import type { LabelResult, LabelSchema, Span } from './label-schema.js';
import { getProject, type Project } from './projects.js';

export const AGGREGATION_POLICIES = ['majority', 'dawid-skene'] as const;
export type AggregationPolicy = (typeof AGGREGATION_POLICIES)[number];

/** One item's final answer. */
export interface AggregatedItem {
  itemId: number;
  /** The label (single-label projects); null for multi-label and span projects. */
  label: string | null;
  labels?: string[];
  spans?: Span[];
  /** Probability-like confidence in [0, 1]: vote share, or the Dawid–Skene posterior. */
  confidence: number;
  /** Annotations that counted (rejected ones do not). */
  annotations: number;
  /** Where the answer came from. */
  source: 'gold' | 'review' | AggregationPolicy;
}

/**
 * One aggregated answer per annotated item of the project, streamed in task order. Gold items
 * give their known answer, items a reviewer corrected give the correction (confidence 1);
 * rejected annotations never count. Dawid–Skene reads the annotations once to fit, then streams.
 * Span projects aggregate by majority whatever the policy (a span is kept when more than half of
 * the item's annotators marked it exactly).
 */
export async function* aggregateProject(store: Store, projectName: string, policy: AggregationPolicy): AsyncGenerator<AggregatedItem> {
  const project = await getProject(store.db, projectName);
  const decide = await projectDecider(store.db, project, policy);
  for await (const group of streamByItem(store.db, project.id)) yield decide(group);
}

/** The decision rule of a project under a policy (fits Dawid–Skene first when asked). */
export async function projectDecider(db: Knex, project: Project, policy: AggregationPolicy): Promise<(group: StoredAnnotation[]) => AggregatedItem> {
  if (!AGGREGATION_POLICIES.includes(policy)) throw new InputError(`unknown aggregation policy "${policy}" (use ${AGGREGATION_POLICIES.join(' or ')})`);
  const gold = await goldAnswers(db, project.id);
  const model = policy === 'dawid-skene' && project.schema.kind !== 'spans' ? await fitProject(db, project.id, project.schema) : undefined;
  return (group) => {
    const itemId = group[0].itemId;
    const known = gold.get(group[0].taskId);
    if (known) return { ...answerFields(known), itemId, confidence: 1, annotations: group.length, source: 'gold' };
    const corrected = group.find((a) => a.reviewStatus === 'corrected' && a.reviewResult);
    if (corrected?.reviewResult) return { ...answerFields(corrected.reviewResult), itemId, confidence: 1, annotations: group.length, source: 'review' };
    return { itemId, annotations: group.length, ...(model ? model.decide(group) : majority(project.schema, group)) };
  };
}

async function goldAnswers(db: Knex, projectId: number): Promise<Map<number, LabelResult>> {
  const rows: Array<{ id: number; gold_result: string }> = await db('tasks').where({ project_id: projectId, is_gold: true }).select('id', 'gold_result');
  return new Map(rows.map((r) => [r.id, JSON.parse(r.gold_result) as LabelResult]));
}

function answerFields(result: LabelResult): Pick<AggregatedItem, 'label' | 'labels' | 'spans'> {
  if ('label' in result) return { label: result.label };
  if ('labels' in result) return { label: null, labels: result.labels };
  return { label: null, spans: result.spans };
}

type Decision = Pick<AggregatedItem, 'label' | 'labels' | 'spans' | 'confidence' | 'source'>;

/** Majority vote; ties go to the label listed first in the schema. */
export function majority(schema: LabelSchema, group: StoredAnnotation[]): Decision {
  const n = group.length;
  if (schema.kind === 'single') {
    const votes = new Map<string, number>();
    for (const a of group) if ('label' in a.result) votes.set(a.result.label, (votes.get(a.result.label) ?? 0) + 1);
    let best: string | null = null;
    let bestVotes = 0;
    for (const l of schema.labels) {
      const v = votes.get(l.value) ?? 0;
      if (v > bestVotes) [best, bestVotes] = [l.value, v];
    }
    return { label: best, confidence: n ? bestVotes / n : 0, source: 'majority' };
  }
  if (schema.kind === 'multi') {
    let confidence = 1;
    const labels = schema.labels
      .map((l) => l.value)
      .filter((value) => {
        const share = group.filter((a) => 'labels' in a.result && a.result.labels.includes(value)).length / n;
        confidence = Math.min(confidence, Math.max(share, 1 - share));
        return share > 0.5;
      });
    return { label: null, labels, confidence, source: 'majority' };
  }
  const counts = new Map<string, { span: Span; votes: number }>();
  for (const a of group) {
    if (!('spans' in a.result)) continue;
    for (const s of a.result.spans) {
      const key = `${s.start}:${s.end}:${s.label}`;
      const entry = counts.get(key) ?? { span: s, votes: 0 };
      entry.votes++;
      counts.set(key, entry);
    }
  }
  let confidence = 1;
  const spans: Span[] = [];
  for (const { span, votes } of counts.values()) {
    const share = votes / n;
    confidence = Math.min(confidence, Math.max(share, 1 - share));
    if (share > 0.5) spans.push(span);
  }
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  return { label: null, spans, confidence, source: 'majority' };
}

export interface DawidSkeneModel {
  classes: string[];
  priors: number[];
  /** confusion.get(annotator)[true class][given class] = P(given | true). */
  confusion: Map<string, number[][]>;
  iterations: number;
}

export interface DawidSkeneObservation {
  item: number;
  annotator: number;
  label: number;
}

const SMOOTHING = 0.01;

/**
 * Dawid & Skene (1979): EM over item classes and one confusion matrix per annotator, started
 * from majority-vote shares. Observations use dense indices (items 0..nItems-1, annotators,
 * classes) so a million of them fit in a few typed arrays.
 */
export function dawidSkene(
  obs: { item: Int32Array; annotator: Int32Array; label: Int32Array },
  sizes: { items: number; annotators: number; classes: number },
  opts: { maxIterations?: number; tolerance?: number } = {},
): { posteriors: Float64Array; priors: Float64Array; confusion: Float64Array; iterations: number } {
  const { items, annotators, classes: K } = sizes;
  const n = obs.item.length;
  const T = new Float64Array(items * K);
  for (let o = 0; o < n; o++) T[obs.item[o] * K + obs.label[o]] += 1;
  normalizeRows(T, K);
  const priors = new Float64Array(K);
  const confusion = new Float64Array(annotators * K * K);
  const maxIterations = opts.maxIterations ?? 100;
  const tolerance = opts.tolerance ?? 1e-6;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    priors.fill(0);
    for (let i = 0; i < items; i++) for (let k = 0; k < K; k++) priors[k] += T[i * K + k];
    for (let k = 0; k < K; k++) priors[k] = (priors[k] + SMOOTHING) / (items + K * SMOOTHING);
    confusion.fill(SMOOTHING);
    for (let o = 0; o < n; o++) {
      const base = obs.annotator[o] * K * K;
      for (let k = 0; k < K; k++) confusion[base + k * K + obs.label[o]] += T[obs.item[o] * K + k];
    }
    normalizeRows(confusion, K);
    const next = new Float64Array(items * K);
    for (let i = 0; i < items; i++) for (let k = 0; k < K; k++) next[i * K + k] = Math.log(priors[k]);
    for (let o = 0; o < n; o++) {
      const base = obs.annotator[o] * K * K;
      for (let k = 0; k < K; k++) next[obs.item[o] * K + k] += Math.log(confusion[base + k * K + obs.label[o]]);
    }
    softmaxRows(next, K);
    let change = 0;
    for (let x = 0; x < next.length; x++) change = Math.max(change, Math.abs(next[x] - T[x]));
    T.set(next);
    if (change < tolerance) {
      iterations++;
      break;
    }
  }
  return { posteriors: T, priors, confusion, iterations };
}

function normalizeRows(m: Float64Array, width: number): void {
  for (let r = 0; r < m.length; r += width) {
    let sum = 0;
    for (let c = 0; c < width; c++) sum += m[r + c];
    if (sum > 0) for (let c = 0; c < width; c++) m[r + c] /= sum;
  }
}

function softmaxRows(m: Float64Array, width: number): void {
  for (let r = 0; r < m.length; r += width) {
    let max = -Infinity;
    for (let c = 0; c < width; c++) max = Math.max(max, m[r + c]);
    let sum = 0;
    for (let c = 0; c < width; c++) sum += m[r + c] = Math.exp(m[r + c] - max);
    for (let c = 0; c < width; c++) m[r + c] /= sum;
  }
}

interface FittedProject {
  decide(group: StoredAnnotation[]): Decision;
  /** One model per question: the label (single-label) or yes/no per label (multi-label). */
  models: Array<{ question: string; model: DawidSkeneModel }>;
}

/**
 * Fits Dawid–Skene to a project's annotations: one model over the labels for single-label
 * projects, one yes/no model per label for multi-label projects. Each item's decision is then
 * the posterior from the fitted priors and confusion matrices.
 */
export async function fitProject(db: Knex, projectId: number, schema: LabelSchema): Promise<FittedProject> {
  const questions = schema.kind === 'single' ? [{ question: 'label', classes: schema.labels.map((l) => l.value) }] : schema.labels.map((l) => ({ question: l.value, classes: ['no', 'yes'] }));
  const annotatorIndex = new Map<string, number>();
  const itemIndex = new Map<number, number>();
  const items: number[] = [];
  const annotators: number[] = [];
  const answers: number[][] = questions.map(() => []);
  for await (const group of streamByItem(db, projectId)) {
    if (group[0].isGold || group.some((a) => a.reviewStatus === 'corrected')) continue;
    const idx = itemIndex.size;
    itemIndex.set(group[0].taskId, idx);
    for (const a of group) {
      if (!annotatorIndex.has(a.user)) annotatorIndex.set(a.user, annotatorIndex.size);
      items.push(idx);
      annotators.push(annotatorIndex.get(a.user) as number);
      questions.forEach((q, qi) => answers[qi].push(answerIndex(schema, q.question, q.classes, a.result)));
    }
  }
  const names = [...annotatorIndex.keys()];
  const fitted = questions.map((q, qi) => {
    const fit = dawidSkene(
      { item: Int32Array.from(items), annotator: Int32Array.from(annotators), label: Int32Array.from(answers[qi]) },
      { items: itemIndex.size, annotators: names.length, classes: q.classes.length },
    );
    const K = q.classes.length;
    const confusion = new Map(names.map((name, j) => [name, Array.from({ length: K }, (_, k) => Array.from(fit.confusion.subarray(j * K * K + k * K, j * K * K + (k + 1) * K)))]));
    return { question: q.question, classes: q.classes, fit, model: { classes: q.classes, priors: Array.from(fit.priors), confusion, iterations: fit.iterations } };
  });
  return {
    models: fitted.map((f) => ({ question: f.question, model: f.model })),
    decide(group) {
      const idx = itemIndex.get(group[0].taskId);
      if (idx === undefined) return majority(schema, group);
      const posterior = (f: (typeof fitted)[number]) => Array.from(f.fit.posteriors.subarray(idx * f.classes.length, (idx + 1) * f.classes.length));
      if (schema.kind === 'single') {
        const p = posterior(fitted[0]);
        const best = p.indexOf(Math.max(...p));
        return { label: fitted[0].classes[best], confidence: p[best], source: 'dawid-skene' };
      }
      let confidence = 1;
      const labels: string[] = [];
      for (const f of fitted) {
        const [no, yes] = posterior(f);
        confidence = Math.min(confidence, Math.max(no, yes));
        if (yes > no) labels.push(f.question);
      }
      return { label: null, labels, confidence, source: 'dawid-skene' };
    },
  };
}

function answerIndex(schema: LabelSchema, question: string, classes: string[], result: LabelResult): number {
  if (schema.kind === 'single') return Math.max(0, classes.indexOf('label' in result ? result.label : ''));
  return 'labels' in result && result.labels.includes(question) ? 1 : 0;
}
