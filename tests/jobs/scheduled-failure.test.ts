import { createLogger } from '../../src/core/log.js';
import { getRun } from '../../src/core/runs.js';
import { createSource } from '../../src/core/sources.js';
import { InProcessDispatcher } from '../../src/jobs/dispatcher.js';
import { Scheduler } from '../../src/jobs/scheduler.js';
import { describeEachStore } from '../helpers/stores.js';
import { FakeClock } from './fake-clock.js';

/** A scheduled run that fails says why in the hub's log, not only that it failed. */
describeEachStore('a scheduled run that fails', (get) => {
  test("logs the run's reason, e.g. a password variable missing from the hub's environment", async () => {
    const { hub } = get();
    const lines: string[] = [];
    const logged = { ...hub, log: createLogger({ level: 'info', write: (line) => lines.push(line) }) };
    const variable = `TRACKS_DB_PASSWORD_${process.pid}`;
    delete process.env[variable];
    const source = await createSource(hub.store.db, {
      name: `tracks-${process.pid}`,
      kind: 'sql',
      config: { url: 'postgres://trove@127.0.0.1:1/tracks', passwordEnv: variable, query: 'SELECT 1 AS id', key: 'id' },
      schedule: '* * * * *',
    });
    const dispatcher = new InProcessDispatcher(logged);
    const scheduler = new Scheduler(hub.store.db, dispatcher, { clock: new FakeClock(Date.now() + 90_000), log: logged.log });
    const [fired] = await scheduler.start();
    await scheduler.stop();
    await dispatcher.idle();
    await hub.store.db('sources').where({ id: source.id }).update({ schedule: null });
    const run = await getRun(hub.store.db, Number(fired?.runId));

    expect(run.status).toBe('failed');
    expect(run.error).toContain(variable);
    expect(lines.filter((l) => l.includes(`run ${run.id} of ${source.name} failed`))).toEqual([
      `error run ${run.id} of ${source.name} failed inserted=0 failed=0 error=${run.error}`,
    ]);
  });
});
