import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPredictor } from '../../src/ml/predictor.js';
import { runCli, troveBin } from '../helpers/cli.js';
import { describeEachStore } from '../helpers/stores.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/datasets/reuters-corn-small.arff');

const STORIES = [
  'U.S. CORN EXPORTS RISE The Agriculture Department said corn export inspections rose to 1.2 mln tonnes, and maize shipments to Japan and the Soviet Union were higher than a week ago.',
  'BANK RATES UNCHANGED The central bank left its discount rate unchanged, and money market dealers said liquidity would stay tight this week.',
  '',
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

async function startServeModel(dir: string, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [troveBin, 'serve-model', dir, '--port', String(port), '--host', '127.0.0.1'], { env: { ...process.env, TROVE_LOG_LEVEL: 'warn', ...env }, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; tries < 600; tries++) {
    if (child.exitCode !== null) throw new Error(`serve-model exited with ${child.exitCode}`);
    if (await fetch(`${url}/v2/health/ready`).then((r) => r.ok, () => false)) return { url, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('serve-model did not become ready');
}

describeEachStore('text end to end: import → snapshot → train → evaluate → serve-model on raw text', (get) => {
  const cli = (args: string[]) => runCli(['--data-dir', get().dataDir, ...args], { env: { DATABASE_URL: get().databaseUrl }, timeoutMs: 240_000 });
  let server: { url: string; child: ChildProcess } | undefined;

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      const exited = new Promise((resolve) => server?.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await exited;
    }
  });

  test('the default text model serves raw text with the probabilities and threshold evaluate uses', async () => {
    expect((await cli(['import', fixture, '--source', 'corn', '--label', 'class-att'])).code).toBe(0);
    expect((await cli(['snapshots', 'create', 'corn-v1', '--source', 'corn', '--label-field', 'class-att'])).code).toBe(0);
    const train = await cli(['--json', 'train', '--snapshot', 'corn-v1']);
    expect(train.code).toBe(0);
    const trained = JSON.parse(train.stdout) as { dir: string; test: { perClass: Record<string, { f1: number }> } };
    const spec = JSON.parse(fs.readFileSync(path.join(trained.dir, 'preprocessing.json'), 'utf8')) as { architecture: string; decision: { positive: number; threshold: number } | null };
    expect(spec.architecture).toBe('text-tfidf');

    const evaluated = await cli(['--json', 'evaluate', '--model', trained.dir, '--snapshot', 'corn-v1']);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.stdout).test).toEqual(trained.test);

    const predictor = await loadPredictor(trained.dir);
    const records = STORIES.map((Text) => ({ Text }));
    const expected = await predictor.predict(records);
    predictor.dispose();
    server = await startServeModel(path.dirname(trained.dir), {});
    const res = await fetch(`${server.url}/v1/models/corn-v1:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: records }) });
    expect(res.status).toBe(200);
    const served = ((await res.json()) as { predictions: Array<{ label: string; probabilities: Record<string, number> }> }).predictions;
    expect(served.map((p) => p.label)).toEqual(expected.map((p) => p.label));
    served.forEach((p, i) => {
      for (const label of ['0', '1']) expect(p.probabilities[label]).toBeCloseTo(expected[i].probabilities[label], 6);
    });
    expect(served[0].probabilities['1']).toBeGreaterThan(served[1].probabilities['1']);
  }, 600_000);

  test('a text config that leaves no vocabulary: one line naming the field, nothing in the registry', async () => {
    const configFile = path.join(get().dataDir, 'strict.json');
    fs.writeFileSync(configFile, JSON.stringify({ tfidf: { minDocumentFrequency: 100000 } }));
    const res = await cli(['train', '--snapshot', 'corn-v1', '--name', 'corn-strict', '--config', configFile]);
    expect(res.code).not.toBe(0);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^trove: field "Text": no term occurs in at least 100000 training documents/);
    expect(fs.existsSync(path.join(get().dataDir, 'models', 'corn-strict'))).toBe(false);
  }, 240_000);
});
