import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Content-addressed storage for raw payloads (HTML pages, API responses): a blob lives at
 * `<root>/<first two hex>/<sha256>` and is written once; writing the same bytes again is free.
 */
export class BlobStore {
  private readonly madeDirs = new Set<string>();

  constructor(readonly root: string) {}

  static hashOf(data: Buffer | string): string {
    return createHash('sha256').update(data).digest('hex');
  }

  pathOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a blob hash: ${hash}`);
    return path.join(this.root, hash.slice(0, 2), hash);
  }

  async put(data: Buffer | string): Promise<string> {
    const hash = BlobStore.hashOf(data);
    const target = this.pathOf(hash);
    if (fs.existsSync(target)) return hash;
    const dir = path.dirname(target);
    if (!this.madeDirs.has(dir)) {
      await fs.promises.mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    // Write then rename, so a crash never leaves a truncated blob under its final name.
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, target);
    return hash;
  }

  async get(hash: string): Promise<Buffer> {
    return fs.promises.readFile(this.pathOf(hash));
  }

  has(hash: string): boolean {
    return fs.existsSync(this.pathOf(hash));
  }
}
