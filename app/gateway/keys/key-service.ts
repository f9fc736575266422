import {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
} from "../../common/errors.js";
import { PreconditionFailedError } from "../store/errors.js";
import { updateRecord } from "../store/record-store.js";
import type { KeyRecord, RecordStore } from "../store/types.js";
import { generateApiKey, generateKeyId, parseApiKey } from "./key-format.js";
import { hashApiKey, matchesHash, type PepperRing } from "./hashing.js";
import { RecordCache } from "./record-cache.js";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export type KeyStatus = "active" | "rotating" | "revoked" | "expired";

/** Who a verified key belongs to; what the rest of the request needs to know. */
export interface VerifiedKey {
  keyId: string;
  isAdmin: boolean;
  rateLimit: number;
}

export interface KeyPolicy {
  defaultRpm: number;
  defaultExpirationDays: number;
  rotationGraceHours: number;
  revokedRetentionDays: number;
}

export interface NewKeyOptions {
  label?: string | null;
  expirationDays?: number;
  requestsPerMinute?: number;
}

export interface IssuedKey {
  apiKey: string;
  record: KeyRecord;
}

/**
 * The API key lifecycle: generate → verify → rotate (old secret valid for a grace period) →
 * revoke (soft) → restore (within retention) → purge (record, tunnel and usage gone).
 * Knows nothing of HTTP; raises AppErrors whose messages clients may read.
 */
export class KeyService {
  private readonly cache: RecordCache<KeyRecord>;
  private readonly purgeListeners: Array<(keyId: string) => void> = [];

  constructor(
    private readonly store: RecordStore,
    private readonly peppers: PepperRing,
    private readonly policy: KeyPolicy,
    private readonly now: () => number,
    cacheTtlMs: number,
  ) {
    this.cache = new RecordCache({ ttlMs: cacheTtlMs });
  }

  onPurge(listener: (keyId: string) => void): void {
    this.purgeListeners.push(listener);
  }

  async generate(options: NewKeyOptions = {}): Promise<IssuedKey> {
    const now = this.now();
    const days = options.expirationDays ?? this.policy.defaultExpirationDays;
    for (let attempt = 0; attempt < 5; attempt++) {
      const keyId = generateKeyId();
      const apiKey = generateApiKey(keyId);
      const record: KeyRecord = {
        schema: 1,
        key_id: keyId,
        label: options.label ?? null,
        secret: hashApiKey(apiKey, this.peppers.current()),
        previous_secrets: [],
        created_at: iso(now),
        expires_at: iso(now + days * DAY_MS),
        rate_limit: options.requestsPerMinute ?? this.policy.defaultRpm,
        status: "active",
        revoked_at: null,
        rotated_at: null,
        is_admin: false,
      };
      try {
        await this.store.put("keys", keyId, record, { ifNoneMatch: true });
      } catch (err) {
        // A key id collision (one in 36^12) just means: draw another id.
        if (err instanceof PreconditionFailedError) continue;
        throw err;
      }
      this.cache.set(keyId, record);
      return { apiKey, record };
    }
    throw new ConflictError("Could not allocate a key id; try again");
  }

  /** Verifies a user key (not the admin key) from the cache; storage only on a cache miss. */
  async verify(apiKey: string): Promise<VerifiedKey> {
    const parsed = parseApiKey(apiKey);
    if (!parsed) throw new UnauthorizedError("Invalid API Key");
    const record = await this.cache.get(parsed.keyId, () => this.load(parsed.keyId));
    if (!record) throw new UnauthorizedError("Invalid API Key");
    const now = this.now();
    const current = matchesHash(apiKey, record.secret, this.peppers);
    if (!current) {
      const previous = record.previous_secrets.find((p) => matchesHash(apiKey, p, this.peppers));
      if (!previous) throw new UnauthorizedError("Invalid API Key");
      if (Date.parse(previous.valid_until) <= now)
        throw new UnauthorizedError("API Key has been rotated; use the new key");
    }
    // Status is revealed only to a caller who proved it holds the key.
    if (record.status === "revoked") throw new UnauthorizedError("API Key has been revoked");
    if (Date.parse(record.expires_at) <= now) throw new UnauthorizedError("API Key has expired");
    return { keyId: record.key_id, isAdmin: record.is_admin, rateLimit: record.rate_limit };
  }

  /** The record from the verification cache (storage only on a miss); for OAuth tokens acting as a key. */
  async cachedRecord(keyId: string): Promise<KeyRecord | null> {
    return this.cache.get(keyId, () => this.load(keyId));
  }

  async get(keyId: string): Promise<KeyRecord> {
    const record = await this.load(keyId);
    if (!record) throw new NotFoundError(`No API key with id ${keyId}`);
    return record;
  }

  async list(): Promise<KeyRecord[]> {
    const all = await this.store.list<KeyRecord>("keys");
    return all.map((v) => v.value).sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  async rotate(keyId: string): Promise<IssuedKey> {
    const apiKey = generateApiKey(keyId);
    const record = await this.update(keyId, (r) => {
      refuseAdmin(r, "rotated here; use the rotate-admin-secret runbook");
      if (r.status === "revoked") throw new ConflictError("API Key is revoked; restore it before rotating");
      const now = this.now();
      const validUntil = iso(now + this.policy.rotationGraceHours * HOUR_MS);
      const stillValid = r.previous_secrets.filter((p) => Date.parse(p.valid_until) > now);
      return {
        ...r,
        secret: hashApiKey(apiKey, this.peppers.current()),
        previous_secrets: [...stillValid, { ...r.secret, valid_until: validUntil }],
        rotated_at: iso(now),
      };
    });
    return { apiKey, record };
  }

  async revoke(keyId: string): Promise<KeyRecord> {
    return this.update(keyId, (r) => {
      refuseAdmin(r, "revoked");
      if (r.status === "revoked") return r;
      return { ...r, status: "revoked", revoked_at: iso(this.now()) };
    });
  }

  async restore(keyId: string): Promise<KeyRecord> {
    return this.update(keyId, (r) => {
      if (r.status !== "revoked") throw new ConflictError("API Key is not revoked");
      const revokedAt = Date.parse(r.revoked_at ?? r.created_at);
      if (this.now() - revokedAt > this.policy.revokedRetentionDays * DAY_MS) {
        throw new AppError(
          410,
          `API Key was revoked more than ${this.policy.revokedRetentionDays} days ago and can no longer be restored`,
        );
      }
      return { ...r, status: "active", revoked_at: null };
    });
  }

  /** Hard delete: the usage and tunnel records first, so a failure leaves a key that can be purged again. */
  async purge(keyId: string): Promise<void> {
    const record = await this.get(keyId);
    refuseAdmin(record, "purged");
    await this.store.delete("tunnels", keyId);
    await this.store.delete("usage", keyId);
    await this.store.delete("keys", keyId);
    this.cache.set(keyId, null);
    for (const listener of this.purgeListeners) listener(keyId);
  }

  status(record: KeyRecord): KeyStatus {
    const now = this.now();
    if (record.status === "revoked") return "revoked";
    if (Date.parse(record.expires_at) <= now) return "expired";
    if (record.previous_secrets.some((p) => Date.parse(p.valid_until) > now)) return "rotating";
    return "active";
  }

  private async update(keyId: string, change: (r: KeyRecord) => KeyRecord): Promise<KeyRecord> {
    try {
      const written = await updateRecord<KeyRecord>(this.store, "keys", keyId, (current) => {
        if (!current) throw new NotFoundError(`No API key with id ${keyId}`);
        return change(current);
      });
      const record = written!.value;
      this.cache.set(keyId, record);
      return record;
    } catch (err) {
      this.cache.invalidate(keyId);
      throw err;
    }
  }

  private async load(keyId: string): Promise<KeyRecord | null> {
    const found = await this.store.get<KeyRecord>("keys", keyId);
    return found?.value ?? null;
  }
}

function refuseAdmin(record: KeyRecord, what: string): void {
  if (record.is_admin) throw new ForbiddenError(`The admin key cannot be ${what}`);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
