import { DynamicBatcher, OverloadedError, TooManyRowsError, type BatchingOptions } from '../../src/serving/batcher.js';
import type { BatchOutcome } from '../../src/serving/inference-thread.js';
import type { EncodedRows } from '../../src/ml/preprocess/pipeline.js';

/** Rows whose single feature is the row's own number, so a batch tells which requests it joined. */
function rows(...values: number[]): EncodedRows {
  return { n: values.length, dense: Float32Array.from(values), denseWidth: 1, tokens: null, sequenceLength: 0 };
}

/** A stand-in for the inference thread: records every batch and answers it only when told to. */
class HeldInference {
  readonly batches: number[][] = [];
  private readonly answers: Array<() => void> = [];

  readonly run = (batch: EncodedRows): Promise<BatchOutcome> => {
    this.batches.push([...batch.dense]);
    return new Promise((resolve) => {
      // One "class" per row whose probability is the row's own value, so each request can check its slice.
      this.answers.push(() => resolve({ probabilities: Float32Array.from(batch.dense), inferenceMs: 1 }));
    });
  };

  /** Answers the oldest batch still computing. */
  finishNext(): void {
    this.answers.shift()?.();
  }
}

function batcher(opts: Partial<BatchingOptions> = {}): { batcher: DynamicBatcher; inference: HeldInference } {
  const inference = new HeldInference();
  const options = { maxBatchRows: 64, maxWaitMs: 60_000, maxQueueRows: 2048, ...opts };
  return { batcher: new DynamicBatcher(options, inference.run, { onBatch: () => undefined }), inference };
}

/** Lets the current event-loop turn end, so work left for "once this turn's I/O is handled" runs. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('dynamic batching', () => {
  it('sends a request at once when the inference thread is idle, however long max-wait is', async () => {
    const { batcher: b, inference } = batcher({ maxWaitMs: 60_000 });
    const answer = b.submit(rows(7));
    await nextTurn();
    expect(inference.batches).toEqual([[7]]);
    inference.finishNext();
    expect([...(await answer)]).toEqual([7]);
  });

  it('sends the requests of one event-loop turn as one tensor call', async () => {
    const { batcher: b, inference } = batcher();
    const answers = [b.submit(rows(1, 2)), b.submit(rows(3)), b.submit(rows(4, 5))];
    await nextTurn();
    expect(inference.batches).toEqual([[1, 2, 3, 4, 5]]);
    inference.finishNext();
    expect((await Promise.all(answers)).map((p) => [...p])).toEqual([[1, 2], [3], [4, 5]]);
  });

  it('gathers the requests that arrive while a batch computes into the next call, sent when that batch returns', async () => {
    const { batcher: b, inference } = batcher();
    const first = b.submit(rows(1));
    await nextTurn();
    const later = [b.submit(rows(2)), b.submit(rows(3))];
    await nextTurn();
    const another = b.submit(rows(4));
    await nextTurn();
    expect(inference.batches).toEqual([[1]]);
    expect(b.depth).toBe(3);
    inference.finishNext();
    await first;
    expect(inference.batches).toEqual([[1], [2, 3, 4]]);
    inference.finishNext();
    expect((await Promise.all([...later, another])).map((p) => [...p])).toEqual([[2], [3], [4]]);
  });

  it('sends a full batch while another computes, so the next one already waits for the inference thread', async () => {
    const { batcher: b, inference } = batcher({ maxBatchRows: 2 });
    void b.submit(rows(1));
    await nextTurn();
    void b.submit(rows(2, 3));
    expect(inference.batches).toEqual([[1], [2, 3]]);
    void b.submit(rows(4, 5));
    expect(inference.batches).toHaveLength(2);
    expect(b.depth).toBe(2);
  });

  it('sends a batch that is not full once its oldest request has waited max-wait, while another computes', async () => {
    const { batcher: b, inference } = batcher({ maxWaitMs: 5 });
    void b.submit(rows(1));
    await nextTurn();
    void b.submit(rows(2));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(inference.batches).toEqual([[1], [2]]);
  });

  it('never puts more than max-batch rows in one call, and sends a larger request alone', async () => {
    const { batcher: b, inference } = batcher({ maxBatchRows: 4 });
    void b.submit(rows(1, 2, 3, 4, 5, 6));
    void b.submit(rows(7, 8));
    void b.submit(rows(9, 10, 11));
    await nextTurn();
    expect(inference.batches).toEqual([
      [1, 2, 3, 4, 5, 6],
      [7, 8],
    ]);
    inference.finishNext();
    inference.finishNext();
    await nextTurn();
    expect(inference.batches[2]).toEqual([9, 10, 11]);
  });

  it('turns a request away when the rows already waiting and its own would pass max-queue', async () => {
    const { batcher: b, inference } = batcher({ maxBatchRows: 2, maxQueueRows: 4 });
    void b.submit(rows(1, 2));
    void b.submit(rows(3, 4));
    const waiting = b.submit(rows(5, 6, 7, 8));
    expect(inference.batches).toHaveLength(2);
    expect(b.depth).toBe(4);
    await expect(b.submit(rows(9))).rejects.toBeInstanceOf(OverloadedError);
    inference.finishNext();
    inference.finishNext();
    await nextTurn();
    inference.finishNext();
    expect([...(await waiting)]).toEqual([5, 6, 7, 8]);
  });

  it('refuses with 413 a single request larger than max-queue, even with nothing waiting', async () => {
    const { batcher: b, inference } = batcher({ maxQueueRows: 4 });
    const refusal = b.submit(rows(1, 2, 3, 4, 5));

    await expect(refusal).rejects.toBeInstanceOf(TooManyRowsError);
    await expect(refusal).rejects.toMatchObject({ status: 413 });
    await nextTurn();
    expect(inference.batches).toEqual([]);
  });

  it('reports drained only once nothing waits or computes', async () => {
    const { batcher: b, inference } = batcher();
    void b.submit(rows(1));
    let drained = false;
    const done = b.drained().then(() => (drained = true));
    await nextTurn();
    expect(drained).toBe(false);
    inference.finishNext();
    await done;
    expect(drained).toBe(true);
  });
});
