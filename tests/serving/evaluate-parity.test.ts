import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Prediction } from '../../src/ml/predictor-contract.js';
import { modelFolderDiscovery } from '../../src/serving/model-discovery.js';
import { tempDir } from '../helpers/stores.js';
import { flowerArtifact, flowerRecord, postJson, repoRoot, serve, versionedFolder } from './fixtures.js';

describe('the server and `trove evaluate` agree', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir('trove-serve-');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('gives bit-identical probabilities to one direct predict call, whatever batches the requests share', async () => {
    const artifact = flowerArtifact();
    const records = Array.from({ length: 30 }, (_, i) => flowerRecord(i * 5));
    const direct = JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'tests/serving/predict-direct.ts'), artifact], {
        cwd: repoRoot,
        input: JSON.stringify(records),
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'ignore'],
      }),
    ) as Prediction[];

    const server = await serve(modelFolderDiscovery(versionedFolder(root, artifact, [1])), { maxBatchRows: 7, maxWaitMs: 5 });
    try {
      const answers = await Promise.all(
        records.map((record) => postJson(`${server.url}/v1/models/flowers:predict`, { instances: [record] })),
      );
      const served = answers.map((a) => (a.body.predictions as Array<Prediction & { model_version: number }>)[0]);
      expect(served.map(({ label, probabilities }) => ({ label, probabilities }))).toEqual(direct);
    } finally {
      await server.close();
    }
  });
});
