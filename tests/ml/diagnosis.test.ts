import { diagnose, type EpochLog } from '../../src/ml/diagnosis.js';

function curve(points: Array<Partial<EpochLog>>): EpochLog[] {
  return points.map((p, i) => ({ epoch: i + 1, loss: 0.5, accuracy: 0.9, valLoss: 0.5, valAccuracy: 0.9, seconds: 1, ...p }));
}

describe('training diagnosis', () => {
  it('calls a wide gap between training and validation accuracy overfitting', () => {
    const history = curve([{ accuracy: 0.8, valAccuracy: 0.75 }, { accuracy: 0.99, valAccuracy: 0.82 }]);
    const result = diagnose(history, 2);
    expect(result.findings).toContain('overfitting');
    expect(result.text[0]).toMatch(/training accuracy 99\.0% vs validation 82\.0%/);
  });

  it('never claims overfitting when validation accuracy is at least training accuracy, even if validation loss rose', () => {
    const history = curve([
      { loss: 0.4, valLoss: 0.1, accuracy: 0.9, valAccuracy: 0.95 },
      { loss: 0.2, valLoss: 0.05, accuracy: 0.95, valAccuracy: 1 },
      { loss: 0.1, valLoss: 0.2, accuracy: 0.987, valAccuracy: 1 },
    ]);
    expect(diagnose(history, 2).findings).not.toContain('overfitting');
  });

  it('calls a clearly rising validation loss overfitting when validation trails training at the end', () => {
    const history = curve([
      { loss: 0.6, valLoss: 0.5, accuracy: 0.8, valAccuracy: 0.8 },
      { loss: 0.3, valLoss: 0.35, accuracy: 0.9, valAccuracy: 0.88 },
      { loss: 0.1, valLoss: 0.6, accuracy: 0.97, valAccuracy: 0.9 },
    ]);
    const result = diagnose(history, 2);
    expect(result.findings).toEqual(['overfitting']);
    expect(result.text[0]).toMatch(/validation loss rose from 0\.350 to 0\.600 after epoch 2.*training accuracy is 97\.0% vs validation 90\.0%/);
  });

  it('does not count a validation loss wobbling near zero as a rise', () => {
    const history = curve([
      { loss: 0.02, valLoss: 0.004, accuracy: 0.99, valAccuracy: 0.97 },
      { loss: 0.01, valLoss: 0.009, accuracy: 1, valAccuracy: 0.97 },
    ]);
    expect(diagnose(history, 1).findings).toEqual(['good-fit']);
  });

  it('does not call losses near zero that wiggle unstable learning', () => {
    const losses = [0.004, 0.003, 0.0045, 0.002, 0.0035, 0.0015, 0.003, 0.001];
    const history = curve(losses.map((loss) => ({ loss, accuracy: 1, valAccuracy: 1 })));
    expect(diagnose(history, 8).findings).toEqual(['good-fit']);
  });

  it('calls a training loss that keeps jumping up and down by large steps unstable', () => {
    const losses = [1.0, 0.6, 0.9, 0.5, 0.85, 0.45, 0.8, 0.4];
    const history = curve(losses.map((loss) => ({ loss })));
    expect(diagnose(history, 8).findings).toContain('unstable');
  });

  it('calls low training accuracy with no gap underfitting', () => {
    const history = curve([{ accuracy: 0.6, valAccuracy: 0.58 }]);
    expect(diagnose(history, 1).findings).toEqual(['underfitting']);
  });

  it('says good fit when nothing is wrong', () => {
    const history = curve([{ loss: 0.5, accuracy: 0.85, valAccuracy: 0.84 }, { loss: 0.3, accuracy: 0.92, valAccuracy: 0.9 }]);
    const result = diagnose(history, 2);
    expect(result.findings).toEqual(['good-fit']);
    expect(result.text[0]).toMatch(/^Good fit: training 92\.0%, validation 90\.0%/);
  });
});
