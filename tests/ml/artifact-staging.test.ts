import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeAtomically } from '../../src/ml/artifact.js';
import { tempDir } from '../helpers/stores.js';

describe('model artifacts are written through a staging folder', () => {
  const models = tempDir('trove-models-');
  afterAll(() => fs.rmSync(models, { recursive: true, force: true }));

  test("a killed training's staging folder is removed by the next write; a live one is left alone", async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid as number;
    const abandoned = path.join(models, `3.partial-${deadPid}-1700000000000`);
    const live = path.join(models, `3.partial-${process.ppid}-1700000000000`);
    for (const dir of [abandoned, live]) fs.mkdirSync(dir);
    fs.writeFileSync(path.join(abandoned, 'weights.bin'), 'half written');

    await writeAtomically(path.join(models, '4'), async (staging) => fs.writeFileSync(path.join(staging, 'model.json'), '{}'));

    expect(fs.readdirSync(models).sort()).toEqual(['3.partial-' + process.ppid + '-1700000000000', '4'].sort());
    expect(fs.readdirSync(path.join(models, '4'))).toEqual(['model.json']);
  });
});
