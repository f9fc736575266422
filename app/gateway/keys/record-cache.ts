import { LRUCache } from "lru-cache";

/**
 * A short-lived in-memory copy of records, so the hot path (verifying a key, finding a Core)
 * reads no storage. A miss loads once even when many requests ask at the same moment, and
 * "no such record" is cached too so forged key ids cannot turn into a storage flood.
 * Changes made by this instance invalidate at once; changes made by another instance are seen
 * after `ttlMs`.
 */
export class RecordCache<T extends object> {
  private readonly entries: LRUCache<string, { value: T | null }>;
  private readonly loading = new Map<string, Promise<T | null>>();

  constructor(options: { ttlMs: number; max?: number }) {
    this.entries = new LRUCache({
      max: options.max ?? 10_000,
      ttl: Math.max(1, options.ttlMs),
      ttlAutopurge: false,
    });
  }

  /**
   * The cached record (null: cached as absent), or a promise when it must be loaded. The hot
   * path is a hit: answered without a promise, so a request spends no turn of the event loop.
   */
  get(id: string, load: () => Promise<T | null>): T | null | Promise<T | null> {
    const hit = this.entries.get(id);
    if (hit) return hit.value;
    return this.load(id, load);
  }

  private load(id: string, load: () => Promise<T | null>): Promise<T | null> {
    const pending = this.loading.get(id);
    if (pending) return pending;
    const promise = load()
      .then((value) => {
        if (this.loading.get(id) === promise) this.entries.set(id, { value });
        return value;
      })
      .finally(() => {
        if (this.loading.get(id) === promise) this.loading.delete(id);
      });
    this.loading.set(id, promise);
    return promise;
  }

  set(id: string, value: T | null): void {
    this.loading.delete(id);
    this.entries.set(id, { value });
  }

  invalidate(id: string): void {
    this.loading.delete(id);
    this.entries.delete(id);
  }

  clear(): void {
    this.loading.clear();
    this.entries.clear();
  }
}
