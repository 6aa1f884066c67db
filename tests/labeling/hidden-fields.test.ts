import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createSource } from '../../src/core/sources.js';
import { runSource, type Hub } from '../../src/hub.js';
import { enableCrowdLink } from '../../src/labeling/crowd-link.js';
import { exportProject, PROJECT_EXPORT_FORMATS, type ProjectExportFormat } from '../../src/labeling/export.js';
import { addMember, createProject, getProject, setHiddenFields, type Project } from '../../src/labeling/projects.js';
import { createUser } from '../../src/labeling/users.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { describeEachStore, tempDir } from '../helpers/stores.js';
import { Client, sentimentSchema, unique, type NextReply } from './helpers.js';

/**
 * The answer never reaches the people asked for it: the label column a source was imported with,
 * and the fields a project hides, are left out of everything an annotator, a crowd worker or a
 * crowd export gets. Each hidden value is unique, so finding it anywhere in an answer is a leak.
 */
const RECORDS = [
  { id: 'r1', text: 'Lovely colour.', sentiment: 'given-answer-1', rating: 'secret-rating-1', lang: 'en' },
  { id: 'r2', text: 'Broke on day one.', sentiment: 'given-answer-2', rating: 'secret-rating-2', lang: 'en' },
];
const HIDDEN_VALUES = RECORDS.flatMap((r) => [r.sentiment, r.rating]);

function expectNoHiddenValue(text: string): void {
  for (const value of HIDDEN_VALUES) expect(text).not.toContain(value);
}

async function importLabeledSource(hub: Hub): Promise<string> {
  const name = unique('labeled');
  const file = path.join(tempDir('trove-hidden-'), `${name}.jsonl`);
  fs.writeFileSync(file, RECORDS.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await createSource(hub.store.db, { name, kind: 'file', config: { path: file, format: 'jsonl', key: 'id', text: 'text', label: 'sentiment' } });
  await runSource(hub, name);
  return name;
}

async function exported(hub: Hub, project: Project, format: ProjectExportFormat): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await exportProject(hub.store.db, await getProject(hub.store.db, project.name), { format }, out);
  return Buffer.concat(chunks).toString('utf8');
}

describeEachStore('hidden fields', (get) => {
  const password = 'annotator password';
  let server: RunningServer;
  let project: Project;
  let annotator: Client;
  let crowdWorker: Client;

  beforeAll(async () => {
    const hub = get().hub;
    const source = await importLabeledSource(hub);
    project = await createProject(hub.store.db, { name: unique('hidden'), sources: [source], schema: sentimentSchema, overlap: 3, ordering: 'source', hiddenFields: ['rating'], filter: { fields: { lang: 'en' } } });
    const name = unique('ann');
    await createUser(hub.store.db, { name, role: 'annotator', password });
    await addMember(hub.store.db, project.name, name);
    const link = await enableCrowdLink(hub.store.db, project, { quota: 5 });
    server = await startServer(hub, 0, '127.0.0.1');
    annotator = new Client(server.url);
    await annotator.login(name, password);
    crowdWorker = new Client(server.url);
    await crowdWorker.get(`/crowd/${link.token}?${link.param}=worker-1`);
  });
  afterAll(() => server?.close());

  test("the project lists the source's label column and its own hidden fields", () => {
    expect(project.hiddenFields).toEqual(['rating', 'sentiment']);
  });

  test('next serves the item without its hidden fields, keeping the others', async () => {
    const next = await annotator.get<NextReply & { item: { fields: Record<string, unknown> } }>(`/api/projects/${project.name}/next`);

    expect(next.status).toBe(200);
    expect(next.body.item.fields).toEqual({ id: 'r1', lang: 'en' });
    expectNoHiddenValue(JSON.stringify(next.body));
  });

  test("the annotator's history shows items without their hidden fields", async () => {
    const next = await annotator.get<NextReply>(`/api/projects/${project.name}/next`);
    await annotator.post(`/api/tasks/${next.body.task.id}/annotations`, { id: unique('client-id-0001'), result: { label: 'pos' } });
    const history = await annotator.get<{ annotations: Array<{ item: { fields: Record<string, unknown> } }> }>(`/api/projects/${project.name}/my-annotations`);

    expect(history.body.annotations[0].item.fields).toEqual({ id: 'r1', lang: 'en' });
    expectNoHiddenValue(JSON.stringify(history.body));
  });

  test('an annotator gets the project without its item filter (it may name a hidden value)', async () => {
    const shown = await annotator.get<{ project: Record<string, unknown> }>(`/api/projects/${project.name}`);

    expect(shown.body.project.filter).toBeUndefined();
    expect(shown.body.project.hiddenFields).toEqual(['rating', 'sentiment']);
  });

  test('a crowd worker signed in through the crowd link gets no hidden field either', async () => {
    const next = await crowdWorker.get<NextReply & { item: { fields: Record<string, unknown> } }>(`/api/projects/${project.name}/next`);

    expect(next.status).toBe(200);
    expect(Object.keys(next.body.item.fields).sort()).toEqual(['id', 'lang']);
    expectNoHiddenValue(JSON.stringify(next.body));
  });

  test.each(PROJECT_EXPORT_FORMATS.map((f) => [f]))('the %s export carries no hidden field', async (format) => {
    const text = await exported(get().hub, project, format);

    expect(text.length).toBeGreaterThan(0);
    expectNoHiddenValue(text);
  });

  test('crowd-jsonl keeps the fields that are not hidden', async () => {
    const lines = (await exported(get().hub, project, 'crowd-jsonl')).trim().split('\n').map((l) => JSON.parse(l) as { fields: Record<string, unknown> });

    expect(lines.map((l) => l.fields)).toEqual([{ id: 'r1', lang: 'en' }, { id: 'r2', lang: 'en' }]);
  });

  test('hide-fields replaces the project’s list; the label column stays hidden', async () => {
    const other = await createProject(get().hub.store.db, { name: unique('hidden'), sources: project.sources, schema: sentimentSchema });
    const changed = await setHiddenFields(get().hub.store.db, other.name, ['lang']);
    const cleared = await setHiddenFields(get().hub.store.db, other.name, []);

    expect(other.hiddenFields).toEqual(['sentiment']);
    expect(changed.hiddenFields).toEqual(['lang', 'sentiment']);
    expect(cleared.hiddenFields).toEqual(['sentiment']);
  });
});
