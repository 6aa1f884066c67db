import { progressLine } from '../../src/cli/progress-bar.js';

const counts = { seen: 12, inserted: 10, updated: 1, unchanged: 0, failed: 1 };

describe('the live progress line', () => {
  it('shows a crawl\'s queued URLs beside the pages done, and its rate', () => {
    expect(progressLine({ done: 12, queued: 40, failed: 1, rate: 3.2, message: '3.2 pages/s' }, counts)).toBe('12 records, 40 queued | 10 new, 1 changed, 1 failed | 3.2 pages/s');
  });

  it('leaves out the queue for sources that have none', () => {
    expect(progressLine({ done: 12 }, counts)).toBe('12 records | 10 new, 1 changed, 1 failed');
  });
});
