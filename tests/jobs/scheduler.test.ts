import fs from 'node:fs';
import path from 'node:path';
import { listRuns } from '../../src/core/runs.js';
import { createSource } from '../../src/core/sources.js';
import { InProcessDispatcher } from '../../src/jobs/dispatcher.js';
import { Scheduler, setSourceSchedule } from '../../src/jobs/scheduler.js';
import { silentLogger } from '../../src/core/log.js';
import { describeEachStore } from '../helpers/stores.js';
import { FakeClock } from './fake-clock.js';

const MINUTE = 60_000;

describeEachStore('scheduler', (get) => {
  let seq = 0;
  let csv: string;

  beforeAll(() => {
    csv = path.join(get().dataDir, 'rows.csv');
    fs.writeFileSync(csv, 'id,text\n1,one\n2,two\n');
  });

  async function scheduledSource(schedule: string) {
    return createSource(get().hub.store.db, { name: `sched-${++seq}`, kind: 'file', config: { path: csv, key: 'id', text: 'text' }, schedule });
  }

  // Each test leaves no schedule and no run behind, so the next one sees only its own source.
  const dispatchers: InProcessDispatcher[] = [];
  afterEach(async () => {
    for (const d of dispatchers.splice(0)) await d.idle();
    await get().hub.store.db('sources').update({ schedule: null });
  });

  function schedulerAt(t: number) {
    const { hub } = get();
    const clock = new FakeClock(t);
    const dispatcher = new InProcessDispatcher(hub);
    dispatchers.push(dispatcher);
    const scheduler = new Scheduler(hub.store.db, dispatcher, { clock, log: silentLogger });
    return { clock, dispatcher, scheduler };
  }

  async function runsOf(sourceId: number) {
    return listRuns(get().hub.store.db, { sourceId });
  }

  test('a slot missed while the hub was down runs once at start, however many were missed', async () => {
    const source = await scheduledSource('* * * * *');
    const { scheduler, dispatcher } = schedulerAt(Date.now() + 5.5 * MINUTE);
    const fired = await scheduler.start();
    await scheduler.stop();
    await dispatcher.idle();

    expect(fired).toEqual([expect.objectContaining({ source: source.name, trigger: 'catch-up' })]);
    const runs = await runsOf(source.id);
    expect(runs.map((r) => [r.trigger, r.status, r.inserted])).toEqual([['catch-up', 'succeeded', 2]]);
  });

  test('a source whose schedule has not come due does not run at start', async () => {
    const source = await scheduledSource('0 0 1 1 *');
    const { scheduler } = schedulerAt(Date.now() + MINUTE);
    expect(await scheduler.start()).toEqual([]);
    await scheduler.stop();
    expect(await runsOf(source.id)).toEqual([]);
  });

  test('the timer fires the next slot when the clock reaches it, as a scheduled run', async () => {
    const source = await scheduledSource('*/10 * * * *');
    const start = Math.ceil((Date.now() + MINUTE) / (10 * MINUTE)) * 10 * MINUTE + MINUTE;
    const { clock, scheduler, dispatcher } = schedulerAt(start);
    await scheduler.start(); // catches up the slot one minute before start
    await dispatcher.idle();

    clock.advanceTo(start + 5 * MINUTE);
    await scheduler.settled();
    expect(await runsOf(source.id)).toHaveLength(1);

    clock.advanceTo(start + 9 * MINUTE);
    await scheduler.settled();
    await dispatcher.idle();
    await scheduler.stop();

    const runs = await runsOf(source.id);
    expect(runs.map((r) => r.trigger)).toEqual(['schedule', 'catch-up']);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
  });

  test('a slot fires once however many schedulers share the store', async () => {
    const source = await scheduledSource('* * * * *');
    const t = Date.now() + 2.5 * MINUTE;
    const a = schedulerAt(t);
    const b = schedulerAt(t);
    const fired = [...(await a.scheduler.tick()), ...(await b.scheduler.tick()), ...(await a.scheduler.tick())];
    await a.dispatcher.idle();

    expect(fired).toHaveLength(1);
    expect(await runsOf(source.id)).toHaveLength(1);
  });

  test('a slot that falls due while the source still runs is skipped: a source never runs twice at once', async () => {
    const source = await scheduledSource('* * * * *');
    const { hub } = get();
    const active = await hub.store.db('runs').insert({ source_id: source.id, status: 'running', trigger: 'manual', created_at: new Date().toISOString(), heartbeat_at: new Date().toISOString() }).returning('id');
    const { scheduler } = schedulerAt(Date.now() + 1.5 * MINUTE);

    const fired = await scheduler.tick();

    expect(fired).toEqual([expect.objectContaining({ source: source.name, runId: null })]);
    expect((await runsOf(source.id)).map((r) => r.id)).toEqual([typeof active[0] === 'object' ? active[0].id : active[0]]);
  });

  test('a schedule set later counts from when it was set, and clearing it stops the runs', async () => {
    const source = await createSource(get().hub.store.db, { name: `sched-${++seq}`, kind: 'file', config: { path: csv } });
    const setAt = Date.now();
    await setSourceSchedule(get().hub.store.db, source.id, '* * * * *');
    const { scheduler, dispatcher } = schedulerAt(setAt);
    expect((await scheduler.tick()).filter((f) => f.source === source.name)).toEqual([]);

    await setSourceSchedule(get().hub.store.db, source.id, null);
    const later = schedulerAt(setAt + 10 * MINUTE);
    expect((await later.scheduler.tick()).filter((f) => f.source === source.name)).toEqual([]);
    await dispatcher.idle();
    expect(await runsOf(source.id)).toEqual([]);
  });
});
