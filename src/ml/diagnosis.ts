export interface EpochLog {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
}

export interface Diagnosis {
  findings: Array<'overfitting' | 'underfitting' | 'unstable' | 'good-fit'>;
  text: string[];
}

/** Training accuracy must beat validation by this much before the gap is called overfitting. */
const OVERFIT_ACCURACY_GAP = 0.08;
/** Validation must at least trail training by this much for a rising validation loss to mean overfitting. */
const OVERFIT_TRAILING_GAP = 0.02;
/** A rise in validation loss counts when it is this fraction of the best loss... */
const LOSS_RISE_FRACTION = 0.2;
/** ...and at least this much in absolute terms, so losses near zero wobbling by a hair do not count. */
const LOSS_RISE_FLOOR = 0.05;
/** A training-loss step counts as a move (for oscillation) when it exceeds this fraction of the loss before it... */
const STEP_FRACTION = 0.1;
/** ...and this absolute amount: steps between losses near zero are noise, not instability. */
const STEP_FLOOR = 0.01;

/** Reads the learning curves the way a practitioner would and says what it sees, in words. */
export function diagnose(history: EpochLog[], bestEpoch: number): Diagnosis {
  const findings: Diagnosis['findings'] = [];
  const text: string[] = [];
  if (history.length === 0) return { findings, text };
  const best = history.find((h) => h.epoch === bestEpoch) ?? history[history.length - 1];
  const last = history[history.length - 1];
  for (const finding of [overfitting(best, last), underfitting(best), instability(history)]) {
    if (finding) {
      findings.push(finding.kind);
      text.push(finding.text);
    }
  }
  if (findings.length === 0) {
    findings.push('good-fit');
    text.push(`Good fit: training ${pct(best.accuracy)}, validation ${pct(best.valAccuracy)} at the best epoch (${best.epoch}), learning curves settle smoothly.`);
  }
  return { findings, text };
}

interface Finding {
  kind: Diagnosis['findings'][number];
  text: string;
}

const OVERFIT_ADVICE = ' Try more dropout or L2, a smaller network, or more data.';

/** Overfitting is claimed only where validation really trails training, never where it matches or beats it. */
function overfitting(best: EpochLog, last: EpochLog): Finding | null {
  if (best.accuracy - best.valAccuracy > OVERFIT_ACCURACY_GAP) {
    return { kind: 'overfitting', text: `Overfitting: training accuracy ${pct(best.accuracy)} vs validation ${pct(best.valAccuracy)} at the best epoch (${best.epoch}).${OVERFIT_ADVICE}` };
  }
  const rise = last.valLoss - best.valLoss;
  const valLossRose = rise > LOSS_RISE_FLOOR && rise > LOSS_RISE_FRACTION * best.valLoss;
  if (valLossRose && last.loss < best.loss && last.accuracy - last.valAccuracy > OVERFIT_TRAILING_GAP) {
    return {
      kind: 'overfitting',
      text:
        `Overfitting: validation loss rose from ${best.valLoss.toFixed(3)} to ${last.valLoss.toFixed(3)} after epoch ${best.epoch} while training loss kept falling; ` +
        `by epoch ${last.epoch} training accuracy is ${pct(last.accuracy)} vs validation ${pct(last.valAccuracy)}.${OVERFIT_ADVICE}`,
    };
  }
  return null;
}

function underfitting(best: EpochLog): Finding | null {
  if (best.accuracy >= 0.75 || best.accuracy - best.valAccuracy >= 0.05) return null;
  return { kind: 'underfitting', text: `Underfitting: even training accuracy is only ${pct(best.accuracy)}. Try a larger network, more epochs, a higher learning rate or better features.` };
}

/** Oscillation is read from training-loss steps big enough to matter; tiny steps near zero loss are ignored. */
function instability(history: EpochLog[]): Finding | null {
  if (history.length < 6) return null;
  const steps = history.slice(1).map((h, i) => ({ change: h.loss - history[i].loss, before: history[i].loss }));
  const moves = steps.filter((s) => Math.abs(s.change) > Math.max(STEP_FRACTION * s.before, STEP_FLOOR)).map((s) => s.change);
  const rises = moves.filter((change) => change > 0).length;
  const turns = moves.slice(1).filter((change, i) => Math.sign(change) !== Math.sign(moves[i])).length;
  if (!((turns > 0.6 * steps.length && rises >= 2) || rises >= 4)) return null;
  return { kind: 'unstable', text: `Unstable learning: the training loss oscillates (${turns} turns in ${history.length} epochs). Lower the learning rate or raise the batch size.` };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
