/**
 * Runs work with an AbortSignal tied to Ctrl-C / SIGTERM, so an interrupted run stops cleanly:
 * it stores what it read and keeps its checkpoint.
 */
export async function runUntilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
