import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/stores.js';
import { flowerArtifact, flowerRecord, postJson, repoRoot, until, versionedFolder } from './fixtures.js';

/** The runtime stage of the Dockerfile: its ENV, ENTRYPOINT, CMD and HEALTHCHECK, as written. */
function runtimeStage() {
  const text = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const stage = text.slice(text.lastIndexOf('\nFROM '));
  const instruction = (name: string) => stage.split('\n').find((l) => l.startsWith(`${name} `))?.slice(name.length + 1).trim();
  const env = Object.fromEntries([...(instruction('ENV') ?? '').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  const healthcheck = instruction('HEALTHCHECK') ?? '';
  return {
    stage,
    env,
    entrypoint: JSON.parse(instruction('ENTRYPOINT') ?? '[]') as string[],
    cmd: JSON.parse(instruction('CMD') ?? '[]') as string[],
    user: instruction('USER'),
    healthcheck: JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[],
    copied: [...stage.matchAll(/^COPY --from=build (.+) \S+$/gm)].flatMap((m) => m[1].split(' ')),
  };
}

interface Launched {
  child: ChildProcessWithoutNullStreams;
  stderr: string[];
  exit: Promise<number | null>;
}

/** Runs the image's entry command from the repository root, as WORKDIR /app does in the image. */
function launch(args: string[], env: Record<string, string>): Launched {
  const { entrypoint } = runtimeStage();
  const child = spawn(process.execPath, [...entrypoint.slice(1), ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(...chunk.split('\n').filter(Boolean)));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr, exit };
}

describe('the container image, run outside Docker', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir('trove-image-');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('runs `trove serve-model` on /model as an unprivileged user, with only files the build stage has', () => {
    const stage = runtimeStage();
    expect(stage.stage).toMatch(/^\nFROM node:20-[\w-]*slim AS runtime/);
    expect(stage.entrypoint).toEqual(['node', 'bin/trove.js', 'serve-model']);
    expect(stage.cmd).toEqual(['/model']);
    expect(stage.user).toBe('node');
    for (const file of stage.copied) expect(fs.existsSync(path.join(repoRoot, file.replace(/^\/app\//, '')))).toBe(true);
  });

  it('lints clean with dockerfile-utils', () => {
    const bin = path.join(repoRoot, 'node_modules/.bin/dockerfile-utils');
    expect(execFileSync(bin, ['lint', path.join(repoRoot, 'Dockerfile')], { encoding: 'utf8' })).toBe('');
  });

  it('serves with the image environment, passes its HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    const stage = runtimeStage();
    const modelDir = versionedFolder(root, flowerArtifact(), [1]);
    const server = launch([modelDir], { ...stage.env, PORT: '0', TROVE_SERVE_HOST: '127.0.0.1' });
    try {
      await until(() => server.stderr.some((l) => l.includes('"model server listening"')), 'the server to listen', 60_000);
      const listening = JSON.parse(server.stderr.find((l) => l.includes('"model server listening"'))!) as { url: string };
      const port = new URL(listening.url).port;
      const health = spawn(stage.healthcheck[0], stage.healthcheck.slice(1), { env: { ...process.env, ...stage.env, PORT: port } });
      expect(await new Promise((resolve) => health.on('exit', resolve))).toBe(0);
      const { status } = await postJson(`http://127.0.0.1:${port}/v1/models/flowers:predict`, { instances: [flowerRecord(0)] });
      expect(status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exit).toBe(0);
    expect(server.stderr.some((l) => l.includes('shutting down'))).toBe(true);
  });

  it('refuses to start on an incomplete model directory with one clear line', async () => {
    const modelDir = versionedFolder(fs.mkdtempSync(path.join(root, 'broken-')), flowerArtifact(), [1]);
    fs.rmSync(path.join(modelDir, '1', 'weights.bin'));
    const server = launch([modelDir], { PORT: '0', TROVE_SERVE_HOST: '127.0.0.1' });
    expect(await server.exit).toBe(1);
    const complaint = server.stderr.filter((l) => l.startsWith('trove: '));
    expect(complaint).toHaveLength(1);
    expect(complaint[0]).toMatch(new RegExp(`^trove: cannot serve ${modelDir}/1: .*weights`));
  });
});
