import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/stores.js';
import { modelFolderDiscovery } from '../../src/serving/model-discovery.js';
import type { RunningModelServer } from '../../src/serving/model-server.js';
import { flowerRecord, getJson, postJson, publishVersion, serve, flowerArtifact, until, versionedFolder } from './fixtures.js';

async function servedVersions(server: RunningModelServer): Promise<string[]> {
  const { body } = await getJson(`${server.url}/v1/models/flowers`);
  return (body.model_version_status as Array<{ version: string }>).map((s) => s.version);
}

describe('model versions and hot reload', () => {
  let root: string;
  let artifact: string;

  beforeAll(async () => {
    root = tempDir('trove-serve-');
    artifact = flowerArtifact();
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('loads a newly published version without the watcher dropping a request, and makes it the default', async () => {
    const modelDir = versionedFolder(fs.mkdtempSync(path.join(root, 'a-')), artifact, [1]);
    const server = await serve(modelFolderDiscovery(modelDir));
    try {
      const answered: number[] = [];
      let publishing = true;
      const traffic = (async () => {
        while (publishing) {
          const { status, body } = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(10)] });
          answered.push(status === 200 ? (body.predictions as Array<{ model_version: number }>)[0].model_version : -status);
        }
      })();
      await until(() => answered.length > 3, 'traffic to start');
      publishVersion(modelDir, artifact, 2);
      await until(() => answered.at(-1) === 2, 'version 2 to answer');
      publishing = false;
      await traffic;
      expect(answered.every((v) => v === 1 || v === 2)).toBe(true);
      expect(answered.indexOf(2)).toBeGreaterThan(0);
      expect(await servedVersions(server)).toEqual(['2', '1']);
    } finally {
      await server.close();
    }
  });

  it('retires a version whose folder is removed, and keeps serving the others', async () => {
    const modelDir = versionedFolder(fs.mkdtempSync(path.join(root, 'b-')), artifact, [1, 2]);
    const server = await serve(modelFolderDiscovery(modelDir));
    try {
      fs.rmSync(path.join(modelDir, '2'), { recursive: true });
      await server.catalog.reload();
      expect(await servedVersions(server)).toEqual(['1']);
      expect((await postJson(`${server.url}/v1/models/flowers/versions/2:predict`, { instances: [flowerRecord(0)] })).status).toBe(404);
      expect((await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(0)] })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('skips a version folder that is still incomplete, and loads it once it is whole', async () => {
    const modelDir = versionedFolder(fs.mkdtempSync(path.join(root, 'c-')), artifact, [1]);
    const server = await serve(modelFolderDiscovery(modelDir));
    try {
      const partial = path.join(modelDir, '2');
      fs.mkdirSync(partial);
      fs.copyFileSync(path.join(artifact, 'model.json'), path.join(partial, 'model.json'));
      await server.catalog.reload();
      expect(await servedVersions(server)).toEqual(['1']);
      fs.rmSync(partial, { recursive: true });
      fs.cpSync(artifact, partial, { recursive: true });
      await server.catalog.reload();
      expect(await servedVersions(server)).toEqual(['2', '1']);
    } finally {
      await server.close();
    }
  });

  it('serves a single artifact folder as version 1 of a model named after the folder', async () => {
    const server = await serve(modelFolderDiscovery(artifact, 'flowers'));
    try {
      expect(await servedVersions(server)).toEqual(['1']);
      const { status } = await postJson(`${server.url}/v1/models/flowers:predict`, { instances: [flowerRecord(0)] });
      expect(status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('refuses to start on an incomplete model directory, saying which folder and what is missing', async () => {
    const modelDir = versionedFolder(fs.mkdtempSync(path.join(root, 'd-')), artifact, [1]);
    fs.rmSync(path.join(modelDir, '1', 'weights.bin'));
    await expect(serve(modelFolderDiscovery(modelDir))).rejects.toThrow(new RegExp(`cannot serve ${modelDir}/1: .*weights`));
  });
});
