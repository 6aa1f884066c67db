import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobStore } from '../../src/core/blobs.js';
import { NotFoundError, StoreError } from '../../src/core/errors.js';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

describe('blob store', () => {
  let root: string;
  const open: BlobStore[] = [];
  function blobStore(opts: { packBytes?: number } = {}): BlobStore {
    const store = new BlobStore(root, opts);
    open.push(store);
    return store;
  }
  const packsDir = () => path.join(root, 'packs');
  const packs = () => fs.readdirSync(packsDir()).filter((f) => f.endsWith('.pack'));
  const packBytes = () => packs().reduce((sum, f) => sum + fs.statSync(path.join(packsDir(), f)).size, 0);

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'trove-blobs-'));
  });
  afterEach(() => {
    for (const store of open.splice(0)) store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('a blob is named by the SHA-256 of its bytes and reads back the same', async () => {
    const blobs = blobStore();
    const hash = await blobs.put('<html>héllo</html>');

    expect(hash).toBe(sha256Hex('<html>héllo</html>'));
    expect((await blobs.get(hash)).toString()).toBe('<html>héllo</html>');
    expect(blobs.has(hash)).toBe(true);
  });

  test('storing the same bytes again writes nothing', async () => {
    const blobs = blobStore();
    await blobs.put(Buffer.from('same bytes'));
    const size = packBytes();
    await blobs.put('same bytes');

    expect(packBytes()).toBe(size);
  });

  test('blobs go to one pack file, not a file each', async () => {
    const blobs = blobStore();
    for (let i = 0; i < 50; i++) await blobs.put(`page ${i}`);

    expect(packs()).toHaveLength(1);
  });

  test('an unknown or malformed hash is not found', async () => {
    const blobs = blobStore();
    const unknown = sha256Hex('never stored');

    await expect(blobs.get(unknown)).rejects.toBeInstanceOf(NotFoundError);
    await expect(blobs.get('../../etc/passwd')).rejects.toBeInstanceOf(NotFoundError);
    expect(blobs.has(unknown)).toBe(false);
  });

  test('a new pack is started when the current one would pass its size', async () => {
    const blobs = blobStore({ packBytes: 200 });
    const hashes = [];
    for (let i = 0; i < 5; i++) hashes.push(await blobs.put(`${'x'.repeat(100)}${i}`));

    expect(packs()).toHaveLength(5);
    for (let i = 0; i < 5; i++) expect((await blobs.get(hashes[i])).toString()).toBe(`${'x'.repeat(100)}${i}`);
  });

  test('stores sharing a directory, as processes do, write their own packs and read each other\'s blobs', async () => {
    const a = blobStore();
    const b = blobStore();
    const fromA = await a.put('written by a');
    const fromB = await b.put('written by b');
    await b.put('written by a');

    expect(packs()).toHaveLength(2);
    expect((await b.get(fromA)).toString()).toBe('written by a');
    expect((await a.get(fromB)).toString()).toBe('written by b');
    expect(packBytes()).toBe(2 * (44 + 'written by a'.length));
  });

  test('blobs stored one file each by older versions are still read and not stored again', async () => {
    const hash = sha256Hex('old page');
    fs.mkdirSync(path.join(root, hash.slice(0, 2)));
    fs.writeFileSync(path.join(root, hash.slice(0, 2), hash), 'old page');
    const blobs = blobStore();

    expect((await blobs.get(hash)).toString()).toBe('old page');
    expect(blobs.has(hash)).toBe(true);
    expect(await blobs.put('old page')).toBe(hash);
    expect(packBytes()).toBe(0);
  });

  test('a lost index is rebuilt from the packs', async () => {
    const first = blobStore();
    const hashes = [await first.put('one'), await first.put('two')];
    first.close();
    for (const f of fs.readdirSync(root).filter((f) => f.startsWith('index.db'))) fs.rmSync(path.join(root, f));
    const reopened = blobStore();

    expect((await reopened.get(hashes[0])).toString()).toBe('one');
    expect((await reopened.get(hashes[1])).toString()).toBe('two');
  });

  test('rebuilding stops at a record torn by a crash and keeps the ones before it', async () => {
    const first = blobStore();
    const kept = await first.put('complete');
    const torn = await first.put('torn at the end');
    first.close();
    const pack = path.join(packsDir(), packs()[0]);
    fs.truncateSync(pack, fs.statSync(pack).size - 3);
    for (const f of fs.readdirSync(root).filter((f) => f.startsWith('index.db'))) fs.rmSync(path.join(root, f));
    const reopened = blobStore();

    expect((await reopened.get(kept)).toString()).toBe('complete');
    expect(reopened.has(torn)).toBe(false);
  });

  test('a damaged blob is an error, not wrong bytes', async () => {
    const blobs = blobStore();
    const hash = await blobs.put('precious payload');
    const pack = path.join(packsDir(), packs()[0]);
    const bytes = fs.readFileSync(pack);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(pack, bytes);

    await expect(blobs.get(hash)).rejects.toThrow(StoreError);
    await expect(blobs.get(hash)).rejects.toThrow(/damaged in .*\.pack at offset 0/);
  });

  test('a store that never stores a blob creates nothing', () => {
    blobStore().close();

    expect(fs.readdirSync(root)).toEqual([]);
  });
});
