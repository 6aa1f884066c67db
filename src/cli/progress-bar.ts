import cliProgress from 'cli-progress';
import type { RunCounts } from '../core/runs.js';
import type { RunProgress } from '../core/source.js';

/** The words after the bar: records done, what is still queued (crawls), the counts and the source's own note. */
export function progressLine(p: RunProgress, c: RunCounts): string {
  const queued = p.queued !== undefined ? `, ${p.queued} queued` : '';
  return `${p.done ?? c.seen} records${queued} | ${c.inserted} new, ${c.updated} changed, ${c.failed} failed${p.message ? ` | ${p.message}` : ''}`;
}

/**
 * A live progress line on a terminal; nothing at all when stderr is not a TTY (pipes, CI, --json
 * consumers), so output stays clean.
 */
export function progressReporter(enabled = process.stderr.isTTY === true) {
  if (!enabled) return { update: (_p: RunProgress, _c: RunCounts) => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: ' {bar} {percentage}% | {line}', hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let last = 0;
  return {
    update(p: RunProgress, c: RunCounts) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const total = p.totalBytes ?? p.total ?? 0;
      const value = p.totalBytes ? (p.bytes ?? 0) : (p.done ?? 0);
      const payload = { line: progressLine(p, c) };
      if (!started) {
        bar.start(Math.max(total, 1), value, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(total, value, 1));
        bar.update(value, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
