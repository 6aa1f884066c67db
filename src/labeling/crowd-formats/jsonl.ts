import { jsonLines, LineError, positiveId, type ParsedCrowdFile, type ParseOptions } from './common.js';

/** JSON Lines: {taskId | itemId, worker, result, platform?, id?}. */
export function parseJsonl(text: string, opts: ParseOptions): ParsedCrowdFile {
  const { file } = opts;
  const tasks = jsonLines(text, file).map(({ value: o, where }) => {
    if (typeof o.worker !== 'string' || !o.worker) throw new LineError(file, where, '"worker" (the external worker id) is missing');
    const taskId = positiveId(o.taskId);
    const itemId = positiveId(o.itemId);
    if (taskId === undefined && itemId === undefined) throw new LineError(file, where, 'needs a "taskId" or an "itemId"');
    if (o.result === undefined) throw new LineError(file, where, '"result" is missing');
    const platform = typeof o.platform === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(o.platform) ? o.platform : 'jsonl';
    return {
      where,
      match: taskId !== undefined ? { by: 'task' as const, id: taskId } : { by: 'item' as const, id: itemId as number },
      item: { text: null, url: null, fields: {} },
      answers: [{ where, platform, workerId: o.worker, answerId: typeof o.id === 'string' ? o.id : where, result: o.result, workSeconds: null }],
    };
  });
  return { tasks, skippedRejected: 0 };
}
