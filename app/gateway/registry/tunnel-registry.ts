import type { Logger } from "../../common/logger.js";
import type { PepperRing } from "../keys/hashing.js";
import { RecordCache } from "../keys/record-cache.js";
import type { RecordStore, TunnelRecord } from "../store/types.js";
import { decryptCoreToken, encryptCoreToken } from "./token-crypto.js";

/** Where a key's Core answers and the token to present there; held in memory only. */
export interface CoreTarget {
  keyId: string;
  url: string;
  token: string;
  registeredAt: string;
}

/**
 * The Core registered by each key: one TunnelRecord per key id, token sealed at rest.
 * Lookups for the proxy come from a short-lived cache so proxying reads no storage.
 */
export class TunnelRegistry {
  private readonly cache: RecordCache<CoreTarget>;

  constructor(
    private readonly store: RecordStore,
    private readonly peppers: PepperRing,
    private readonly now: () => number,
    private readonly logger: Logger,
    cacheTtlMs: number,
  ) {
    this.cache = new RecordCache({ ttlMs: cacheTtlMs });
  }

  /** Stores (or replaces) the Core of `keyId`. The URL must already be validated. */
  async register(keyId: string, url: string, coreToken: string): Promise<TunnelRecord> {
    const record: TunnelRecord = {
      schema: 1,
      key_id: keyId,
      url,
      core_token_enc: encryptCoreToken(coreToken, keyId, this.peppers),
      registered_at: new Date(this.now()).toISOString(),
    };
    // Last registration wins: a Core re-registers whenever its tunnel URL changes.
    await this.store.put("tunnels", keyId, record);
    this.cache.set(keyId, { keyId, url, token: coreToken, registeredAt: record.registered_at });
    return record;
  }

  /** Registration facts for display; never the token. */
  async describe(keyId: string): Promise<{ url: string; registered_at: string } | null> {
    const record = (await this.store.get<TunnelRecord>("tunnels", keyId))?.value;
    return record ? { url: record.url, registered_at: record.registered_at } : null;
  }

  async describeAll(): Promise<Map<string, { url: string; registered_at: string }>> {
    const records = await this.store.list<TunnelRecord>("tunnels");
    return new Map(
      records.map(({ value }) => [value.key_id, { url: value.url, registered_at: value.registered_at }]),
    );
  }

  /** The Core to proxy to, from the cache when possible (then without a promise). */
  target(keyId: string): CoreTarget | null | Promise<CoreTarget | null> {
    return this.cache.get(keyId, async () => {
      const record = (await this.store.get<TunnelRecord>("tunnels", keyId))?.value;
      if (!record) return null;
      try {
        return {
          keyId,
          url: record.url,
          token: decryptCoreToken(record.core_token_enc, keyId, this.peppers),
          registeredAt: record.registered_at,
        };
      } catch (err) {
        this.logger.error(
          { err, key_id: keyId },
          "stored core token cannot be decrypted; the Core must register again",
        );
        return null;
      }
    });
  }

  /** Forget the cached target, e.g. when the Core refused the token (it re-registered elsewhere). */
  invalidate(keyId: string): void {
    this.cache.invalidate(keyId);
  }

  /** Deletes the stored registration (a registration that lost a race with its key's purge). */
  async remove(keyId: string): Promise<void> {
    await this.store.delete("tunnels", keyId);
    this.cache.set(keyId, null);
  }

  forget(keyId: string): void {
    this.cache.set(keyId, null);
  }
}
