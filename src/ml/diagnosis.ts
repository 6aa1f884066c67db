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

/** Reads the learning curves the way a practitioner would and says what it sees, in words. */
export function diagnose(history: EpochLog[], bestEpoch: number): Diagnosis {
  const text: string[] = [];
  const findings: Diagnosis['findings'] = [];
  if (history.length === 0) return { findings, text };
  const best = history.find((h) => h.epoch === bestEpoch) ?? history[history.length - 1];
  const gap = best.accuracy - best.valAccuracy;
  const last = history[history.length - 1];
  if (gap > 0.08 || (last.valLoss > best.valLoss * 1.2 && last.loss < best.loss)) {
    findings.push('overfitting');
    text.push(
      `Overfitting: training accuracy ${pct(best.accuracy)} vs validation ${pct(best.valAccuracy)}` +
        (last.valLoss > best.valLoss * 1.2 ? `, and validation loss rose from ${best.valLoss.toFixed(3)} to ${last.valLoss.toFixed(3)} after epoch ${best.epoch}` : '') +
        '. Try more dropout or L2, a smaller network, or more data.',
    );
  }
  if (best.accuracy < 0.75 && gap < 0.05) {
    findings.push('underfitting');
    text.push(`Underfitting: even training accuracy is only ${pct(best.accuracy)}. Try a larger network, more epochs, a higher learning rate or better features.`);
  }
  const diffs = history.slice(1).map((h, i) => h.loss - history[i].loss);
  const turns = diffs.slice(1).filter((d, i) => Math.sign(d) !== Math.sign(diffs[i]) && Math.sign(d) !== 0).length;
  const rises = diffs.filter((d, i) => d > 0.1 * history[i].loss).length;
  if (history.length >= 6 && ((turns > 0.6 * diffs.length && rises >= 2) || rises >= 4)) {
    findings.push('unstable');
    text.push(`Unstable learning: the training loss oscillates (${turns} turns in ${history.length} epochs). Lower the learning rate or raise the batch size.`);
  }
  if (findings.length === 0) {
    findings.push('good-fit');
    text.push(`Good fit: training ${pct(best.accuracy)}, validation ${pct(best.valAccuracy)} at the best epoch (${best.epoch}), learning curves settle smoothly.`);
  }
  return { findings, text };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
