import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../core/errors.js';
import type { Predictor } from '../ml/predictor-contract.js';
import { loadPredictor } from '../ml/predictor.js';
import type { InferenceRequest, InferenceResponse } from './inference-protocol.js';

/** The inference thread: holds the loaded predictors and answers one message at a time. */
const predictors = new Map<string, Predictor>();
const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');

// Probabilities are copied back, not transferred: a backend may hand out storage it still owns.
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
        const probabilities = await predictor.predictEncoded(msg.rows);
        return { id: msg.id, ok: true, probabilities, inferenceMs: performance.now() - started };
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
