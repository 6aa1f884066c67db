/**
 * A small in-memory map whose entries live a fixed time. Used for lookups every request repeats
 * (session → user, membership) where a copy up to `ttlMs` old is acceptable: changes made in this
 * process invalidate their entries at once, changes from other processes show within `ttlMs`.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: K, now = Date.now()): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.until > now) return hit.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: K, value: V, now = Date.now()): void {
    // Past the cap, drop everything: the cache only saves work, and refilling it is cheap.
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: now + this.ttlMs });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
