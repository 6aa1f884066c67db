import { decidedClass } from '../ml/decision.js';
import { MULTI_LABEL_THRESHOLD } from '../ml/multilabel-metrics.js';
import type { ModelMetadata } from '../ml/predictor-contract.js';

/**
 * Writes one model version's predictions straight from the probabilities the inference thread
 * returns, as the JSON text `JSON.stringify` would give for the objects the protocols describe —
 * without building those objects first. Label keys are quoted once, when the version loads.
 */
export class PredictionWriter {
  private readonly quotedLabels: string[];
  private readonly quotedKeys: string[];

  constructor(
    private readonly labels: string[],
    private readonly version: number,
    private readonly task: ModelMetadata['task'],
    private readonly decision: ModelMetadata['decision'] = null,
  ) {
    this.quotedLabels = labels.map((label) => JSON.stringify(label));
    this.quotedKeys = this.quotedLabels.map((quoted) => `${quoted}:`);
  }

  /** TensorFlow Serving: `{"predictions":[{"label":…,"probabilities":{label: p, …},"model_version":N}, …]}`. */
  tfServingBody(probabilities: Float32Array): string {
    const classes = this.labels.length;
    const rows = probabilities.length / classes;
    const tail = `},"model_version":${this.version}}`;
    const labelSets = this.task === 'multilabel' ? this.labelSets(probabilities) : undefined;
    let out = '{"predictions":[';
    for (let row = 0; row < rows; row++) {
      if (row > 0) out += ',';
      const label = labelSets ? JSON.stringify(labelSets[row]) : this.quotedLabels[decidedClass(probabilities, row, classes, this.decision)];
      out += `{"label":${label},"probabilities":{`;
      for (let c = 0; c < classes; c++) {
        if (c > 0) out += ',';
        out += this.quotedKeys[c] + jsonNumber(probabilities[row * classes + c]);
      }
      out += tail;
    }
    return out + ']}';
  }

  /** Every row's label: the most probable class (or the one a binary model's threshold picks), or for a multi-label model the list of labels it gives. */
  rowLabels(probabilities: Float32Array): Array<string | string[]> {
    if (this.task === 'multilabel') return this.labelSets(probabilities);
    const classes = this.labels.length;
    return Array.from({ length: probabilities.length / classes }, (_, row) => this.labels[decidedClass(probabilities, row, classes, this.decision)]);
  }

  /** A multi-label model's label lists: every label whose own probability reaches the threshold, as `predict` gives them. */
  private labelSets(probabilities: Float32Array): string[][] {
    const classes = this.labels.length;
    return Array.from({ length: probabilities.length / classes }, (_, row) =>
      this.labels.filter((_, c) => probabilities[row * classes + c] >= MULTI_LABEL_THRESHOLD),
    );
  }
}

/** A number as JSON writes it: non-finite values become null. */
function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}
