import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import zlib from 'node:zlib';
import { createLogger } from '../../src/core/log.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';

const MiB = 1 << 20;

/** `mib` MiB of JSON (one long string field), compressed by `compress`, without holding it whole. */
async function bomb(mib: number, compress: () => NodeJS.ReadWriteStream): Promise<Buffer> {
  const block = Buffer.alloc(MiB, 'a');
  async function* json() {
    yield Buffer.from('{"name": "');
    for (let i = 0; i < mib; i++) yield block;
    yield Buffer.from('", "sources": [], "schema": {"kind": "single", "labels": [{"value": "a"}]}}');
  }
  return buffer(Readable.from(json()).pipe(compress()));
}

let gzipBomb: Buffer;
let brotliBomb: Buffer;
beforeAll(async () => {
  gzipBomb = await bomb(256, () => zlib.createGzip({ level: 9 }));
  brotliBomb = await bomb(256, () => zlib.createBrotliCompress());
});

describeEachStore('request bodies at the edge of the API', (get) => {
  let server: RunningServer;
  const logged: string[] = [];

  beforeAll(async () => {
    server = await startServer({ ...get().hub, log: createLogger({ level: 'debug', write: (line) => logged.push(line) }) }, 0, '127.0.0.1');
  });
  afterAll(() => server.close());
  afterEach(() => {
    expect(logged.filter((l) => /stack|unexpected error/.test(l))).toEqual([]);
  });

  /**
   * Sends `body` as a JSON request from someone not signed in (the body is read before anyone is
   * asked who they are); the answer and how far the process's RSS rose meanwhile.
   */
  async function post(body: Buffer, headers: Record<string, string> = {}) {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    try {
      const res = await fetch(`${server.url}/api/projects`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } }, growth: peak - baseline };
    } finally {
      clearInterval(sampler);
    }
  }

  test('a gzip body that inflates past the limit answers 413 naming the limit, at flat memory', async () => {
    const answer = await post(gzipBomb, { 'content-encoding': 'gzip' });

    expect(gzipBomb.length).toBeLessThan(MiB);
    expect(answer.status).toBe(413);
    expect(answer.body.error).toEqual({ code: 'too_large', message: 'request body is over the 1 MiB limit (counted after decompression)' });
    expect(answer.growth).toBeLessThan(64 * MiB);
  });

  test('a brotli body that inflates past the limit answers 413 the same way', async () => {
    const answer = await post(brotliBomb, { 'content-encoding': 'br' });

    expect(answer.status).toBe(413);
    expect(answer.body.error.message).toBe('request body is over the 1 MiB limit (counted after decompression)');
    expect(answer.growth).toBeLessThan(64 * MiB);
  });

  test('a plain body over the limit answers 413', async () => {
    const answer = await post(Buffer.from(`{"name": "${'a'.repeat(MiB)}"}`));

    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('too_large');
  });

  test('a small body of brackets nested far deeper than any request answers 400 naming the depth', async () => {
    const answer = await post(Buffer.from(`{"name": ${'['.repeat(400_000)}${']'.repeat(400_000)}}`));

    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toBe(`body.name${'[0]'.repeat(63)} nests deeper than 64 levels`);
  });

  test('a body in an encoding the hub does not decode answers 415 saying what it takes', async () => {
    const encoding = await post(Buffer.from('{}'), { 'content-encoding': 'compress' });
    const charset = await post(Buffer.from('{}'), { 'content-type': 'application/json; charset=no-such-charset' });

    expect(encoding.status).toBe(415);
    expect(encoding.body.error.message).toBe('unsupported content encoding "compress"; send UTF-8 JSON, plain or with gzip, deflate or br');
    expect(charset.status).toBe(415);
    expect(charset.body.error.code).toBe('unsupported_encoding');
  });
});
