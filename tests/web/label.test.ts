import type { Browser, Page } from 'playwright-core';
import { describeEachStore } from '../helpers/stores.js';
import { addUser, importRecords, launchBrowser, logIn, projectFor, serve } from './browser-hub.js';
import { completionCodeFor, enableCrowdLink } from '../../src/labeling/crowd-link.js';
import { getProject } from '../../src/labeling/projects.js';
import type { RunningServer } from '../../src/server/serve.js';

/**
 * The annotator page, driven from the keyboard in a real Chromium against a real hub; every
 * answer is checked in the store, not on the screen.
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const SENTIMENT = { kind: 'single', labels: [{ value: 'positive', hotkey: '1' }, { value: 'negative', hotkey: '2' }, { value: 'neutral', hotkey: '3' }] };
const SPAN_TEXT = 'Met 李小龍 at the 東京タワー 🗼 today, with Zoë 👩‍👩‍👧!';

describeEachStore('annotator page', (get) => {
  let server: RunningServer;
  let page: Page;

  beforeAll(async () => {
    const { hub, dataDir } = get();
    await addUser(hub, 'ann', 'annotator');
    await importRecords(hub, dataDir, 'reviews', [
      { id: 'a', text: 'Terrible, it broke on day one.' },
      { id: 'b', text: 'Lovely colour and it fits.' },
      { id: 'c', text: 'It arrived on Tuesday.' },
      { id: 'd', text: 'Not bad at all.' },
    ]);
    await projectFor(hub, 'sentiment', 'reviews', SENTIMENT, ['ann']);
    await projectFor(hub, 'tags', 'reviews', { kind: 'multi', labels: [{ value: 'delivery', hotkey: 'd' }, { value: 'quality', hotkey: 'q' }, { value: 'price', hotkey: 'p' }] }, ['ann']);
    await importRecords(hub, dataDir, 'mentions', [{ id: 'm1', text: SPAN_TEXT }]);
    await projectFor(hub, 'entities', 'mentions', { kind: 'spans', labels: [{ value: 'PERSON', hotkey: 'e' }, { value: 'PLACE', hotkey: 'l' }] }, ['ann']);
    server = await serve(hub);
    page = await (await browser.newContext()).newPage();
    await logIn(page, server.url, 'ann', '/label.html?project=sentiment');
  });
  afterAll(async () => {
    await page?.context().close();
    await server?.close();
  });

  async function storedResults(project: string): Promise<Array<{ key: string; result: unknown }>> {
    const rows: Array<{ key: string; result: string }> = await get().hub.store.db('annotations')
      .join('projects', 'projects.id', 'annotations.project_id')
      .join('items', 'items.id', 'annotations.item_id')
      .where('projects.name', project)
      .orderBy('annotations.id')
      .select('items.key', 'annotations.result');
    return rows.map((r) => ({ key: r.key, result: JSON.parse(r.result) as unknown }));
  }

  async function showsText(text: string): Promise<void> {
    await page.locator('.item-text', { hasText: text }).waitFor();
  }

  test('a label hotkey then Enter stores the annotation and brings the next item', async () => {
    await showsText('Terrible, it broke on day one.');
    await page.keyboard.press('2');
    await page.locator('button.label[data-label="negative"][aria-pressed="true"]').waitFor();
    await page.keyboard.press('Enter');
    await showsText('Lovely colour and it fits.');
    expect(await storedResults('sentiment')).toEqual([{ key: 'a', result: { label: 'negative' } }]);
    await page.locator('[data-testid="progress"]', { hasText: '1 by you' }).waitFor();
  });

  test('S skips the item without storing an answer', async () => {
    await showsText('Lovely colour and it fits.');
    await page.keyboard.press('s');
    await showsText('It arrived on Tuesday.');
    const skips = await get().hub.store.db('skips').join('tasks', 'tasks.id', 'skips.task_id').join('items', 'items.id', 'tasks.item_id').pluck('items.key');
    expect(skips).toEqual(['b']);
    expect(await storedResults('sentiment')).toHaveLength(1);
  });

  test('← opens one’s last annotation, Enter saves an edit, → returns to the current item', async () => {
    await showsText('It arrived on Tuesday.');
    await page.keyboard.press('ArrowLeft');
    await showsText('Terrible, it broke on day one.');
    await page.locator('button.label[data-label="negative"][aria-pressed="true"]').waitFor();
    await page.keyboard.press('3');
    await page.keyboard.press('Enter');
    await showsText('It arrived on Tuesday.');
    expect(await storedResults('sentiment')).toEqual([{ key: 'a', result: { label: 'neutral' } }]);
    await page.keyboard.press('ArrowLeft');
    await showsText('Terrible, it broke on day one.');
    await page.keyboard.press('ArrowRight');
    await showsText('It arrived on Tuesday.');
  });

  test('Enter without a label is refused in words, and nothing is stored', async () => {
    await showsText('It arrived on Tuesday.');
    await page.keyboard.press('Enter');
    await page.locator('.status.error', { hasText: 'Pick a label first' }).waitFor();
    expect(await storedResults('sentiment')).toHaveLength(1);
  });

  test('multi-label hotkeys toggle labels on and off', async () => {
    await page.goto(`${server.url}/label.html?project=tags`);
    await showsText('Terrible, it broke on day one.');
    for (const key of ['q', 'd', 'p', 'd']) await page.keyboard.press(key);
    await page.locator('button.label[data-label="price"][aria-pressed="true"]').waitFor();
    await page.keyboard.press('Enter');
    await showsText('Lovely colour and it fits.');
    expect(await storedResults('tags')).toEqual([{ key: 'a', result: { labels: ['price', 'quality'] } }]);
  });

  test('spans selected around CJK text and emoji are stored as UTF-16 offsets', async () => {
    await page.goto(`${server.url}/label.html?project=entities`);
    await showsText('東京タワー');
    // Select as a user would: a DOM range over the rendered text (the second one after a highlight exists).
    const select = (from: number, to: number) =>
      page.locator('.item-text').evaluate((box, [s, e]) => {
        const doc = box.ownerDocument;
        const walker = doc.createTreeWalker(box, 4 /* NodeFilter.SHOW_TEXT */);
        const points: Array<[unknown, number]> = [];
        let seen = 0;
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const len = (n as { data: string }).data.length;
          if (points.length === 0 && s >= seen && s < seen + len) points.push([n, s - seen]);
          if (points.length === 1 && e > seen && e <= seen + len) points.push([n, e - seen]);
          seen += len;
        }
        const range = doc.createRange();
        range.setStart(points[0][0] as typeof box, points[0][1]);
        range.setEnd(points[1][0] as typeof box, points[1][1]);
        const selection = doc.getSelection();
        selection?.removeAllRanges();
        selection?.addRange(range);
      }, [from, to] as const);

    const person = SPAN_TEXT.indexOf('李小龍');
    await select(person, person + 3);
    await page.keyboard.press('e');
    await page.locator('mark.span', { hasText: '李小龍' }).waitFor();
    // End the selection inside the 🗼 surrogate pair: the span must widen to the whole emoji.
    const place = SPAN_TEXT.indexOf('東京タワー');
    const tower = SPAN_TEXT.indexOf('🗼');
    await select(place, tower + 1);
    await page.keyboard.press('l');
    await page.locator('mark.span', { hasText: '🗼' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.done').waitFor();

    const [stored] = await storedResults('entities');
    const spans = (stored.result as { spans: Array<{ start: number; end: number; label: string }> }).spans;
    expect(spans).toEqual([
      { start: person, end: person + 3, label: 'PERSON' },
      { start: place, end: tower + 2, label: 'PLACE' },
    ]);
    expect(spans.map((s) => SPAN_TEXT.slice(s.start, s.end))).toEqual(['李小龍', '東京タワー 🗼']);
  });

  test('spans can be selected from the keyboard: ↓ steps word by word, Shift+→ extends', async () => {
    await importRecords(get().hub, get().dataDir, 'keyboard-mentions', [{ id: 'k1', text: 'Ada Lovelace met Babbage in London.' }]);
    await projectFor(get().hub, 'keyboard-entities', 'keyboard-mentions', { kind: 'spans', labels: [{ value: 'PERSON', hotkey: 'e' }, { value: 'PLACE', hotkey: 'l' }] }, ['ann']);
    await page.goto(`${server.url}/label.html?project=keyboard-entities`);
    await showsText('Ada Lovelace');

    for (const key of ['ArrowDown', 'Shift+ArrowRight', 'e', 'ArrowDown', 'ArrowDown', 'e']) await page.keyboard.press(key);
    for (const key of ['ArrowDown', 'ArrowDown', 'l']) await page.keyboard.press(key);
    await page.locator('mark.span', { hasText: 'London' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.done').waitFor();

    const [stored] = await storedResults('keyboard-entities');
    expect(stored.result).toEqual({ spans: [
      { start: 0, end: 12, label: 'PERSON' },
      { start: 17, end: 24, label: 'PERSON' },
      { start: 28, end: 34, label: 'PLACE' },
    ] });
  });

  test('Enter with no span marked asks first; a second Enter stores the empty answer', async () => {
    await importRecords(get().hub, get().dataDir, 'empty-mentions', [{ id: 'e1', text: 'Nothing to mark here.' }]);
    await projectFor(get().hub, 'empty-entities', 'empty-mentions', { kind: 'spans', labels: [{ value: 'PERSON', hotkey: 'e' }] }, ['ann']);
    await page.goto(`${server.url}/label.html?project=empty-entities`);
    await showsText('Nothing to mark here.');

    await page.keyboard.press('Enter');
    await page.locator('.status.error', { hasText: 'No span marked' }).waitFor();
    expect(await storedResults('empty-entities')).toEqual([]);
    await page.keyboard.press('Enter');
    await page.locator('.done').waitFor();
    expect(await storedResults('empty-entities')).toEqual([{ key: 'e1', result: { spans: [] } }]);
  });

  test('a crowd worker arriving by link labels up to the quota and is shown the completion code', async () => {
    const db = get().hub.store.db;
    await projectFor(get().hub, 'crowd-sentiment', 'reviews', SENTIMENT, []);
    const link = await enableCrowdLink(db, await getProject(db, 'crowd-sentiment'), { quota: 2, completionCode: 'C0DE42' });
    const worker = await (await browser.newContext()).newPage();
    try {
      await worker.goto(`${server.url}/crowd/${link.token}?PROLIFIC_PID=w-17`);
      await worker.locator('[data-testid="progress"]', { hasText: '0 of 2 tasks done' }).waitFor();
      for (const key of ['1', '2']) {
        await worker.locator('.item-text').waitFor();
        await worker.keyboard.press(key);
        await worker.keyboard.press('Enter');
        await worker.locator('.status', { hasText: 'Saved.' }).waitFor();
      }
      await worker.locator('.completion-code', { hasText: completionCodeFor(link, 'PROLIFIC_PID:w-17') }).waitFor();
      expect(await worker.locator('nav a').count()).toBe(0);
      const rows: Array<{ kind: string; n: number | string }> = await db('annotations').join('users', 'users.id', 'annotations.user_id').join('projects', 'projects.id', 'annotations.project_id')
        .where('projects.name', 'crowd-sentiment').groupBy('users.kind').select('users.kind', db.raw('count(*) as n'));
      expect(rows.map((r) => [r.kind, Number(r.n)])).toEqual([['crowd', 2]]);
    } finally {
      await worker.context().close();
    }
  });
});
