import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../core/errors.js';
import type { Predictor, RecordProblem } from '../ml/predictor-contract.js';
import { loadPredictor } from '../ml/predictor.js';
import type { GroupResult, InferenceRequest, InferenceResponse, RawRecord } from './inference-protocol.js';

/** The inference thread: holds the loaded predictors and answers one message at a time. */
const predictors = new Map<string, Predictor>();
const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');

port.on('message', (msg: InferenceRequest) => {
  void handle(msg).then((reply) => port.postMessage(reply));
});

async function handle(msg: InferenceRequest): Promise<InferenceResponse> {
  try {
    switch (msg.op) {
      case 'load': {
        const predictor = await loadPredictor(msg.dir);
        predictors.get(msg.key)?.dispose();
        predictors.set(msg.key, predictor);
        return { id: msg.id, ok: true, metadata: predictor.metadata };
      }
      case 'predict': {
        const predictor = predictors.get(msg.key);
        if (!predictor) return { id: msg.id, ok: false, error: `model ${msg.key} is not loaded` };
        const started = performance.now();
        const results = await predictGroups(predictor, msg.groups);
        return { id: msg.id, ok: true, results, inferenceMs: performance.now() - started };
      }
      case 'unload':
        predictors.get(msg.key)?.dispose();
        predictors.delete(msg.key);
        return { id: msg.id, ok: true };
    }
  } catch (err) {
    return { id: msg.id, ok: false, error: errorMessage(err) };
  }
}

/** Checks every group, then predicts the rows of all clean groups in one call. */
async function predictGroups(predictor: Predictor, groups: RawRecord[][]): Promise<GroupResult[]> {
  const results: Array<GroupResult | undefined> = groups.map((records) => firstProblem(predictor, records));
  const clean = groups.filter((_, i) => results[i] === undefined);
  const predictions = clean.length ? await predictor.predict(clean.flat()) : [];
  let offset = 0;
  return groups.map((records, i) => {
    const known = results[i];
    if (known) return known;
    const slice = predictions.slice(offset, offset + records.length);
    offset += records.length;
    return { predictions: slice };
  });
}

function firstProblem(predictor: Predictor, records: RawRecord[]): GroupResult | undefined {
  for (let index = 0; index < records.length; index++) {
    const problem = absentField(predictor, records[index]) ?? predictor.check(records[index]);
    if (problem) return { problem: { ...problem, index } };
  }
  return undefined;
}

/**
 * A field left out of a record is a client mistake (a typo, an old schema), so it is a 400 even
 * where training would impute it; an explicit null is a missing value, imputed as in training.
 */
function absentField(predictor: Predictor, record: RawRecord): RecordProblem | null {
  if (typeof record !== 'object' || record === null) return null;
  const field = predictor.metadata.inputs.find((f) => !(f.name in record));
  return field ? { field: field.name, reason: 'is missing (send null to have it imputed as in training)' } : null;
}
