import type { Logger } from "../../common/logger.js";
import type { RecordStore, UsageRecord } from "../store/types.js";
import { updateRecord } from "../store/record-store.js";

interface Pending {
  count: number;
  lastUsed: number;
}

/**
 * Counts requests per key in memory and writes them to `usage/<key_id>` in batches: one
 * conditional write per key per flush, whatever the traffic. Counts that fail to flush are
 * kept for the next flush, so a storage outage loses nothing but freshness.
 */
export class UsageTracker {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly forgotten = new Set<string>();

  constructor(
    private readonly store: RecordStore,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  record(keyId: string): void {
    const entry = this.pending.get(keyId);
    if (entry) {
      entry.count += 1;
      entry.lastUsed = this.now();
    } else {
      this.pending.set(keyId, { count: 1, lastUsed: this.now() });
    }
  }

  /** Stored usage plus what this instance has not flushed yet. */
  async read(keyId: string): Promise<{ last_used: string | null; total_requests: number }> {
    const stored = (await this.store.get<UsageRecord>("usage", keyId))?.value;
    return merge(stored, this.pending.get(keyId));
  }

  /** Same as read() for many keys, from one listing of the usage records. */
  async readAll(): Promise<Map<string, { last_used: string | null; total_requests: number }>> {
    const stored = await this.store.list<UsageRecord>("usage");
    const result = new Map<string, { last_used: string | null; total_requests: number }>();
    for (const { value } of stored) result.set(value.key_id, merge(value, this.pending.get(value.key_id)));
    for (const [keyId, entry] of this.pending)
      if (!result.has(keyId)) result.set(keyId, merge(undefined, entry));
    return result;
  }

  /** The key was purged: drop its counts so a late flush does not resurrect its usage record. */
  forget(keyId: string): void {
    this.pending.delete(keyId);
    this.forgotten.add(keyId);
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /**
   * Writes every count pending when it is called; runs one flush at a time. A call made while
   * a flush is running waits for it and then flushes what was counted meanwhile.
   */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    this.flushing = this.flushAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.forgotten.clear();
    for (const [keyId, entry] of batch) {
      if (this.forgotten.has(keyId)) continue;
      try {
        await this.add(keyId, entry);
      } catch (err) {
        this.logger.warn({ err, key_id: keyId }, "usage flush failed; will retry");
        const newer = this.pending.get(keyId);
        if (!this.forgotten.has(keyId)) {
          this.pending.set(
            keyId,
            newer ? { count: newer.count + entry.count, lastUsed: newer.lastUsed } : entry,
          );
        }
      }
    }
  }

  private async add(keyId: string, entry: Pending): Promise<void> {
    await updateRecord<UsageRecord>(this.store, "usage", keyId, (current) => ({
      ...merge(current ?? undefined, entry),
      schema: 1,
      key_id: keyId,
    }));
  }
}

function merge(
  stored: UsageRecord | undefined,
  pending: Pending | undefined,
): { last_used: string | null; total_requests: number } {
  const storedLast = stored?.last_used ? Date.parse(stored.last_used) : 0;
  const last = Math.max(storedLast, pending?.lastUsed ?? 0);
  return {
    last_used: last > 0 ? new Date(last).toISOString() : null,
    total_requests: (stored?.total_requests ?? 0) + (pending?.count ?? 0),
  };
}
