import { PredictionWriter } from '../../src/serving/prediction-json.js';

const LABELS = ['setosa', 'versicolor', 'virginica'];
const probabilities = new Float32Array([0.7, 0.2, 0.1, 0.05, 0.55, 0.6]);

describe('predictions written straight from the probabilities', () => {
  it('gives a multiclass model the JSON of its predictions: the most probable label, every probability, the version', () => {
    const body = JSON.parse(new PredictionWriter(LABELS, 3, 'multiclass').tfServingBody(probabilities)) as unknown;
    expect(body).toEqual({
      predictions: [
        { label: 'setosa', probabilities: { setosa: probabilities[0], versicolor: probabilities[1], virginica: probabilities[2] }, model_version: 3 },
        { label: 'virginica', probabilities: { setosa: probabilities[3], versicolor: probabilities[4], virginica: probabilities[5] }, model_version: 3 },
      ],
    });
  });

  it('gives a multi-label model the list of labels whose probability reaches one half', () => {
    const writer = new PredictionWriter(LABELS, 1, 'multilabel');
    const body = JSON.parse(writer.tfServingBody(probabilities)) as { predictions: Array<{ label: string[] }> };
    expect(body.predictions.map((p) => p.label)).toEqual([['setosa'], ['versicolor', 'virginica']]);
    expect(writer.rowLabels(probabilities)).toEqual([['setosa'], ['versicolor', 'virginica']]);
  });

  it('writes a probability that is not a finite number as null, as JSON.stringify does', () => {
    const body = new PredictionWriter(['a', 'b'], 1, 'binary').tfServingBody(new Float32Array([Number.NaN, 1]));
    expect(JSON.parse(body)).toEqual({ predictions: [{ label: 'a', probabilities: { a: null, b: 1 }, model_version: 1 }] });
  });
});
