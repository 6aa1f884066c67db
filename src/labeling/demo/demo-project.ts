import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSource, findSource } from '../../core/sources.js';
import { runSource, type Hub } from '../../hub.js';
import { addMember, createProject, getProject, listProjects, setGold, type Project } from '../projects.js';

/**
 * The first-run demo: 48 short reviews written for Trove (CC0, see LICENCE.md next to them),
 * imported as a file source and offered as two projects — sentiment (one label, a few gold
 * items mixed in) and entities (text spans, several scripts and emoji).
 */
export const DEMO_SOURCE = 'demo-reviews';
export const DEMO_DATASET = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reviews.jsonl');
export const DEMO_LICENCE = 'CC0-1.0';

const SENTIMENT_INSTRUCTIONS = `Read the review and pick the **overall feeling** of its writer.

| key | label | when |
| --- | --- | --- |
| 1 | positive | the writer is pleased, would recommend |
| 2 | negative | the writer is unhappy, warns others |
| 3 | neutral | a plain statement of fact, no feeling either way |
| 4 | mixed | clear praise *and* clear complaint |

Press **Enter** to submit, **S** to skip, **←/→** to revisit your earlier answers.
Reviews in languages you cannot read: skip them.`;

const ENTITIES_INSTRUCTIONS = `Select every mention of a **product**, **organisation**, **place** or **person**, then press its key
(or pick the label first and select afterwards). Click a highlight to remove it; **Backspace** removes the last one.

- Mark the shortest span that names the thing: *Lumen kettle*, not *The Lumen kettle boils*.
- Place names include cities, regions and trails (*Pennine Way*).
- Press **Enter** when every mention is marked (also when there is none).`;

export const DEMO_PROJECTS = [
  {
    name: 'demo-sentiment',
    schema: {
      kind: 'single',
      labels: [
        { value: 'positive', hotkey: '1', color: '#1e8e4e' },
        { value: 'negative', hotkey: '2', color: '#c0392b' },
        { value: 'neutral', hotkey: '3', color: '#5d6d7e' },
        { value: 'mixed', hotkey: '4', color: '#c28f00' },
      ],
      instructions: SENTIMENT_INSTRUCTIONS,
    },
    // Two answers per review, so agreement shows as soon as a second person labels.
    overlap: 2,
    goldRate: 0.1,
    // Unambiguous reviews with a known answer, to show accuracy on gold.
    gold: [
      { key: 'r007', result: { label: 'positive' } },
      { key: 'r011', result: { label: 'negative' } },
      { key: 'r009', result: { label: 'neutral' } },
      { key: 'r034', result: { label: 'negative' } },
    ],
  },
  {
    name: 'demo-entities',
    schema: {
      kind: 'spans',
      labels: [
        { value: 'PRODUCT', hotkey: 'p', color: '#2f5fd0' },
        { value: 'ORG', hotkey: 'o', color: '#8e44ad' },
        { value: 'PLACE', hotkey: 'l', color: '#16a0a8' },
        { value: 'PERSON', hotkey: 'e', color: '#d0542f' },
      ],
      instructions: ENTITIES_INSTRUCTIONS,
    },
    overlap: 1,
    goldRate: 0,
    gold: [],
  },
] as const;

export interface DemoSetup {
  projects: Project[];
  /** False when the demo was already there (the call only added the user as a member). */
  created: boolean;
}

async function importDataset(hub: Hub): Promise<void> {
  if (await findSource(hub.store.db, DEMO_SOURCE)) return;
  await createSource(hub.store.db, {
    name: DEMO_SOURCE,
    kind: 'file',
    config: { path: DEMO_DATASET, format: 'jsonl', key: 'id', text: 'text', licence: DEMO_LICENCE },
  });
  await runSource(hub, DEMO_SOURCE);
}

async function itemIdsByKey(hub: Hub, keys: readonly string[]): Promise<Map<string, number>> {
  const rows: Array<{ id: number; key: string }> = await hub.store.db('items')
    .join('sources', 'sources.id', 'items.source_id')
    .where('sources.name', DEMO_SOURCE)
    .whereIn('items.key', [...keys])
    .select('items.id', 'items.key');
  return new Map(rows.map((r) => [r.key, r.id]));
}

/** Creates the demo source and projects if missing and makes `userName` a member of them. */
export async function setUpDemo(hub: Hub, userName: string): Promise<DemoSetup> {
  const db = hub.store.db;
  await importDataset(hub);
  const existing = new Set((await listProjects(db)).map((p) => p.name));
  let created = false;
  const projects: Project[] = [];
  for (const spec of DEMO_PROJECTS) {
    if (!existing.has(spec.name)) {
      const project = await createProject(db, { name: spec.name, sources: [DEMO_SOURCE], schema: spec.schema, overlap: spec.overlap, goldRate: spec.goldRate, ordering: 'source' });
      const ids = await itemIdsByKey(hub, spec.gold.map((g) => g.key));
      if (spec.gold.length > 0) await setGold(db, project, spec.gold.map((g) => ({ itemId: ids.get(g.key) as number, result: g.result })));
      created = true;
    }
    await addMember(db, spec.name, userName);
    projects.push(await getProject(db, spec.name));
  }
  return { projects, created };
}
