import { getEventListeners } from 'node:events';
import { RequestDeadlines } from '../../src/scrapers/request-deadlines.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('request deadlines', () => {
  test('stopping the crawl aborts every request in flight, through one listener on its signal', () => {
    const crawl = new AbortController();
    const deadlines = new RequestDeadlines();
    const requests = Array.from({ length: 50 }, () => deadlines.start(crawl.signal, 60_000));
    expect(getEventListeners(crawl.signal, 'abort')).toHaveLength(1);
    crawl.abort(new Error('cancelled'));
    expect(requests.every((r) => r.signal.aborted && (r.signal.reason as Error).message === 'cancelled')).toBe(true);
    for (const r of requests) r.release();
  });

  test('a request still running when its time is up aborts with a TimeoutError; a released one does not', async () => {
    const crawl = new AbortController();
    const deadlines = new RequestDeadlines();
    const slow = deadlines.start(crawl.signal, 30);
    const done = deadlines.start(crawl.signal, 30);
    done.release();
    await sleep(80);
    expect(slow.signal.aborted).toBe(true);
    expect((slow.signal.reason as DOMException).name).toBe('TimeoutError');
    expect(done.signal.aborted).toBe(false);
  });

  test('a request started after the crawl stopped is aborted at once', () => {
    const crawl = new AbortController();
    crawl.abort(new Error('cancelled'));
    const request = new RequestDeadlines().start(crawl.signal, 60_000);
    expect(request.signal.aborted).toBe(true);
    expect((request.signal.reason as Error).message).toBe('cancelled');
  });
});
