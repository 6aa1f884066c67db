import type { Run, RunError } from '../core/runs.js';
import { table } from './table.js';

export function describeRun(run: Run, errors: RunError[] = []): string {
  const lines = [
    `run ${run.id} of ${run.source}: ${run.status}${run.error ? ` — ${run.error}` : ''}`,
    `  seen ${run.seen}, inserted ${run.inserted}, updated ${run.updated}, unchanged ${run.unchanged}, failed ${run.failed}`,
    `  started ${run.startedAt ?? '-'}, finished ${run.finishedAt ?? '-'}${run.durationMs !== null ? ` (${(run.durationMs / 1000).toFixed(1)} s)` : ''}`,
  ];
  const p = run.progress;
  if (p.queued !== undefined || p.message) lines.push(`  progress: ${[p.done !== undefined ? `${p.done} done` : '', p.queued !== undefined ? `${p.queued} queued` : '', p.message ?? ''].filter(Boolean).join(', ')}`);
  const stats = Object.entries(run.stats);
  if (stats.length) lines.push(`  stats: ${stats.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (errors.length) {
    lines.push('  errors:');
    for (const e of errors) lines.push(`    ${e.location}: ${e.message}`);
  }
  return lines.join('\n');
}

export function runsTable(runs: Run[]): string {
  return table(
    ['ID', 'SOURCE', 'STATUS', 'SEEN', 'INSERTED', 'UPDATED', 'FAILED', 'STARTED'],
    runs.map((r) => [r.id, r.source, r.status, r.seen, r.inserted, r.updated, r.failed, r.startedAt]),
  );
}
