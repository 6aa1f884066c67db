/**
 * Deadlines for a fetcher's requests: a request's signal aborts with a TimeoutError once its time is
 * up, or with the caller's reason when the caller's signal aborts — what
 * `AbortSignal.any([signal, AbortSignal.timeout(ms)])` gives, at a tenth of its cost per request.
 * One abort listener per caller's signal serves every request in flight under it: a listener per
 * request would pass Node's limit of ten (and its warning) at any useful concurrency.
 */
export class RequestDeadlines {
  private readonly groups = new Map<AbortSignal, Set<AbortController>>();

  /** A signal for one request; call `release` once its response body is done with. */
  start(parent: AbortSignal, ms: number): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    if (parent.aborted) {
      controller.abort(parent.reason);
      return { signal: controller.signal, release: () => undefined };
    }
    const group = this.groupOf(parent);
    group.add(controller);
    const release = () => {
      clearTimeout(timer);
      group.delete(controller);
    };
    const timer = setTimeout(() => {
      release();
      controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, ms).unref();
    return { signal: controller.signal, release };
  }

  private groupOf(parent: AbortSignal): Set<AbortController> {
    const known = this.groups.get(parent);
    if (known) return known;
    const group = new Set<AbortController>();
    parent.addEventListener(
      'abort',
      () => {
        for (const controller of group) controller.abort(parent.reason);
        group.clear();
        this.groups.delete(parent);
      },
      { once: true },
    );
    this.groups.set(parent, group);
    return group;
  }
}
