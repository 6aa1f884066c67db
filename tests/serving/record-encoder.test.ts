import fs from 'node:fs';
import path from 'node:path';
import { PREPROCESSING_FILE, type PreprocessingFile } from '../../src/ml/artifact.js';
import { Preprocessor } from '../../src/ml/preprocess/pipeline.js';
import { RecordEncoder } from '../../src/serving/record-encoder.js';
import { tempDir } from '../helpers/stores.js';
import { flowerArtifact, flowerRecord } from './fixtures.js';

/** The flower model's preprocessing without its categorical field: a model of numeric fields only. */
function numbersOnlyArtifact(root: string): { dir: string; pre: Preprocessor } {
  const spec = JSON.parse(fs.readFileSync(path.join(flowerArtifact(), PREPROCESSING_FILE), 'utf8')) as PreprocessingFile;
  const encoders = spec.preprocessing.encoders.filter((e) => e.kind === 'numeric');
  const features = spec.preprocessing.features.filter((f) => encoders.some((e) => e.field === f.name));
  const preprocessing = { ...spec.preprocessing, encoders, features };
  fs.writeFileSync(path.join(root, PREPROCESSING_FILE), JSON.stringify({ ...spec, preprocessing }));
  return { dir: root, pre: Preprocessor.fromState(preprocessing) };
}

function withoutGarden(i: number): Record<string, unknown> {
  const { garden: _garden, ...numbers } = flowerRecord(i);
  return numbers;
}

describe('encoding records on the HTTP thread', () => {
  let root: string;
  let encoder: RecordEncoder;
  let pre: Preprocessor;

  beforeAll(() => {
    root = tempDir('trove-encoder-');
    const artifact = numbersOnlyArtifact(root);
    encoder = RecordEncoder.fromArtifact(artifact.dir);
    pre = artifact.pre;
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('encodes records of finite numbers exactly as the fitted preprocessor does', () => {
    const records = Array.from({ length: 20 }, (_, i) => withoutGarden(i * 7));
    const encoded = encoder.encode(records);
    expect(encoded).toEqual({ rows: pre.transform(records) });
  });

  it('encodes nulls, extra fields and fields in any order as the preprocessor does', () => {
    const reversed = Object.fromEntries(Object.entries(withoutGarden(5)).reverse());
    const records = [
      withoutGarden(1),
      { ...withoutGarden(2), petal_length: null },
      { ...withoutGarden(3), sepal_width: 3.5 },
      { note: 'x', ...withoutGarden(4) },
      reversed,
      withoutGarden(6),
    ];
    expect(encoder.encode(records)).toEqual({ rows: pre.transform(records) });
  });

  it('names the first record and field the model cannot take', () => {
    const field = Object.keys(withoutGarden(0))[1];
    const { [field]: _absent, ...short } = withoutGarden(0);
    expect(encoder.encode([withoutGarden(1), short])).toEqual({
      problem: { index: 1, field, reason: 'is missing (send null to have it imputed as in training)' },
    });
    expect(encoder.encode([{ ...withoutGarden(1), [field]: 'tall' }])).toEqual({ problem: { index: 0, field, reason: 'is a string ("tall"), not a number' } });
    expect(encoder.encode([{ ...withoutGarden(1), [field]: '3.5' }])).toEqual({ problem: { index: 0, field, reason: 'is a string ("3.5"), not a number' } });
  });
});
