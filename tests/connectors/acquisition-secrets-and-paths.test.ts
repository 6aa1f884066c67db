import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createSource } from '../../src/core/sources.js';
import { runSource } from '../../src/hub.js';
import { createToken, createUser } from '../../src/labeling/users.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore, tempDir } from '../helpers/stores.js';
import { startFake, sendJson, type FakeServer } from './helpers/http-fake.js';

// A manager may make sources over the API; what it must not reach is the hub's own secrets and files.
const importRoot = tempDir('trove-import-root-');
const outside = tempDir('trove-outside-');
process.env.TROVE_IMPORT_ROOTS = importRoot;
process.env.TROVE_ADMIN_PASSWORD = 'admin-password-3141';
process.env.UNLISTED_TOKEN = 'unlisted-2718';
process.env.TROVE_SECRET_SHOP_TOKEN = 'shop-token-1618';
process.env.LISTED_TOKEN = 'listed-1414';
process.env.TROVE_SECRET_VARS = 'LISTED_TOKEN,TROVE_SERVE_API_KEY';

let listener: FakeServer;
const seenAuth: string[] = [];
beforeAll(async () => {
  listener = await startFake((req, res) => {
    seenAuth.push(req.headers.authorization ?? '');
    sendJson(res, [{ id: 1, body: req.headers.authorization ?? '' }]);
  });
});
afterAll(async () => {
  await listener.close();
  for (const dir of [importRoot, outside]) fs.rmSync(dir, { recursive: true, force: true });
});

describeEachStore('what sources may read', (get) => {
  let server: RunningServer;
  let manager: Record<string, string>;
  beforeAll(async () => {
    const { hub } = get();
    await createUser(hub.store.db, { name: 'mgr', role: 'manager', password: 'a-long-password' });
    manager = { authorization: `Bearer ${await createToken(hub.store.db, 'mgr')}`, 'content-type': 'application/json' };
    server = await startServer(hub, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await server.close();
  });

  let seq = 0;
  const addOverApi = async (kind: string, config: Record<string, unknown>) => {
    const res = await fetch(`${server.url}/api/sources`, { method: 'POST', headers: manager, body: JSON.stringify({ kind, name: `guard-${++seq}`, config }) });
    return { status: res.status, body: (await res.json()) as { error?: { message: string } } };
  };

  describe('secrets from the environment', () => {
    test("a REST source naming Trove's own variable is refused with a line naming the field, and nothing is sent", async () => {
      const res = await addOverApi('rest', { url: `${listener.base}/steal`, tokenEnv: 'TROVE_ADMIN_PASSWORD', key: 'id' });

      expect(res.status).toBe(400);
      expect(res.body.error?.message).toMatch(/field tokenEnv: TROVE_ADMIN_PASSWORD is one of Trove's own settings/);
      expect(seenAuth).not.toContain('Bearer admin-password-3141');
    });

    test('a variable the operator did not allow is refused, for every *Env key', async () => {
      const refused = [
        await addOverApi('rest', { url: listener.base, tokenEnv: 'UNLISTED_TOKEN', key: 'id' }),
        await addOverApi('rest', { url: listener.base, headerName: 'x-key', headerEnv: 'UNLISTED_TOKEN', key: 'id' }),
        await addOverApi('rest', { url: listener.base, userEnv: 'UNLISTED_TOKEN', passwordEnv: 'TROVE_SECRET_SHOP_TOKEN', key: 'id' }),
        await addOverApi('sql', { urlEnv: 'DATABASE_URL', query: 'SELECT 1 AS id', key: 'id' }),
        await addOverApi('file', { path: 'hf:owner/name', tokenEnv: 'HOME' }),
      ];

      expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
      expect(refused.map((r) => /field (\w+)/.exec(r.body.error?.message ?? '')?.[1])).toEqual(['tokenEnv', 'headerEnv', 'userEnv', 'urlEnv', 'tokenEnv']);
      expect(refused[0].body.error?.message).toMatch(/not allowed for sources: name one starting with TROVE_SECRET_, or have the operator list it in TROVE_SECRET_VARS/);
    });

    test("the operator's list cannot open Trove's own variables", async () => {
      const res = await addOverApi('rest', { url: listener.base, tokenEnv: 'TROVE_SERVE_API_KEY', key: 'id' });

      expect(res.status).toBe(400);
    });

    test('a TROVE_SECRET_ variable or one the operator listed is sent', async () => {
      const { hub } = get();
      for (const tokenEnv of ['TROVE_SECRET_SHOP_TOKEN', 'LISTED_TOKEN']) {
        const name = `secret-ok-${tokenEnv}`;
        const config = hub.kinds.parseConfig('rest', { kind: 'rest', url: listener.base, tokenEnv, key: 'id', text: 'body' }) as Record<string, unknown>;
        await createSource(hub.store.db, { name, kind: 'rest', config });
        expect(await runSource(hub, name)).toMatchObject({ status: 'succeeded', inserted: 1 });
      }
      expect(seenAuth).toEqual(expect.arrayContaining(['Bearer shop-token-1618', 'Bearer listed-1414']));
    });

    test('a config stored before the rule that names a refused variable fails its run without reading it', async () => {
      const { hub } = get();
      await createSource(hub.store.db, { name: 'old-config', kind: 'rest', config: { url: listener.base, tokenEnv: 'TROVE_ADMIN_PASSWORD', key: 'id' } });

      const run = await runSource(hub, 'old-config');

      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/tokenEnv: TROVE_ADMIN_PASSWORD is one of Trove's own settings/);
      expect(seenAuth).not.toContain('Bearer admin-password-3141');
    });
  });

  describe('local files', () => {
    test('/proc/self/environ is never read, and the answer repeats none of the environment', async () => {
      const res = await addOverApi('file', { path: '/proc/self/environ', format: 'csv', key: 'missing' });

      expect(res.status).toBe(400);
      expect(res.body.error?.message).toMatch(/system folders \(\/proc, \/sys, \/dev\) are never read/);
      expect(JSON.stringify(res.body)).not.toContain('admin-password-3141');
    });

    test('a file outside the import roots is refused; /etc/passwd too', async () => {
      const file = path.join(outside, 'rows.csv');
      fs.writeFileSync(file, 'id,text\n1,one\n');

      const outsideRes = await addOverApi('file', { path: file });
      const passwd = await addOverApi('file', { path: '/etc/passwd', format: 'csv' });

      expect([outsideRes.status, passwd.status]).toEqual([400, 400]);
      expect(outsideRes.body.error?.message).toMatch(/field path: .*only under the operator's import roots, and it is outside them \(TROVE_IMPORT_ROOTS\)/);
    });

    test('a symlink or .. inside an import root that leads outside it is refused', async () => {
      const target = path.join(outside, 'secret.csv');
      fs.writeFileSync(target, 'id,text\n1,secret\n');
      const link = path.join(importRoot, `innocent-${randomBytes(4).toString('hex')}.csv`);
      fs.symlinkSync(target, link);

      expect((await addOverApi('file', { path: link })).status).toBe(400);
      expect((await addOverApi('file', { path: `${importRoot}/../${path.basename(outside)}/secret.csv` })).status).toBe(400);
    });

    test("the hub's own database is never an import root: a SQLite URL on it is refused", async () => {
      const { hub } = get();
      const previous = hub.config.importRoots;
      (hub.config as { importRoots: string[] }).importRoots = [path.dirname(hub.config.dataDir)];
      try {
        const dbFile = path.join(hub.config.dataDir, 'store-copy.db');
        fs.writeFileSync(dbFile, '');
        const res = await addOverApi('sql', { url: `sqlite://${dbFile}`, query: 'SELECT id FROM users', key: 'id' });

        expect(res.status).toBe(400);
        expect(res.body.error?.message).toMatch(/field url: .*the hub's data directory is never read by a source/);
      } finally {
        (hub.config as { importRoots: string[] }).importRoots = previous;
      }
    });

    test('a file under an import root is accepted and imported', async () => {
      const file = path.join(importRoot, 'ok.csv');
      fs.writeFileSync(file, 'id,text\n1,one\n2,two\n');

      const res = await addOverApi('file', { path: file, key: 'id', text: 'text' });

      expect(res.status).toBe(201);
    });

    test("a missing column names a short quoted prefix of the header, never the file's content", async () => {
      const file = path.join(importRoot, 'wide.csv');
      const secret = 'x'.repeat(200) + 'SECRET_TAIL';
      fs.writeFileSync(file, `id,${secret},other\n1,a,b\n`);

      const res = await addOverApi('file', { path: file, key: 'missing' });

      expect(res.status).toBe(400);
      expect(res.body.error?.message).toMatch(/--key column "missing" does not exist \(3 columns, header starts "id,x+"…\)$/);
      expect(res.body.error?.message).not.toContain('SECRET_TAIL');
    });
  });
});
