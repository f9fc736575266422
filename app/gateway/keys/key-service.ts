import { AppError, ConflictError, ForbiddenError, NotFoundError } from "../../common/errors.js";
import { PreconditionFailedError } from "../store/errors.js";
import { updateRecord } from "../store/record-store.js";
import type { KeyRecord, RecordStore } from "../store/types.js";
import { generateApiKey, generateKeyId, parseApiKey } from "./key-format.js";
import { hashApiKey, MatchedKeyMemo, matchesHash, type PepperRing } from "./hashing.js";
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

/** Why a key was refused; each reason has its own answer (see middleware/authenticate.ts). */
export type RefusalReason = "invalid" | "rotated" | "revoked" | "expired";

/** A prepared verification: synchronous, see `KeyService.prepareVerify`. */
export type VerifyCheck = () => VerifyOutcome;

export type VerifyOutcome =
  | { ok: true; key: VerifiedKey }
  /** `keyId`: the id the key claimed, for the audit record (null when it was not key-shaped) */
  | { ok: false; reason: RefusalReason; keyId: string | null };

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

  private readonly matched: MatchedKeyMemo;

  constructor(
    private readonly store: RecordStore,
    private readonly peppers: PepperRing,
    private readonly policy: KeyPolicy,
    private readonly now: () => number,
    cacheTtlMs: number,
  ) {
    this.cache = new RecordCache({ ttlMs: cacheTtlMs });
    this.matched = new MatchedKeyMemo(peppers);
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

  /** Verifies a user key (not the admin key); see `prepareVerify`. */
  async verify(apiKey: string): Promise<VerifyOutcome> {
    return (await this.prepareVerify(apiKey))();
  }

  /**
   * Loads what verifying `apiKey` needs (from the cache; storage only on a miss) and returns the
   * check itself, which is synchronous: a caller can reserve a failure right before it and
   * settle right after, with no other request running in between. Never throws for a bad key:
   * the outcome says why it was refused, so callers count, audit and answer without reading a
   * message. A promise only when the record is not cached.
   */
  prepareVerify(apiKey: string): VerifyCheck | Promise<VerifyCheck> {
    const parsed = parseApiKey(apiKey);
    if (!parsed) return () => ({ ok: false, reason: "invalid", keyId: null });
    const keyId = parsed.keyId;
    const record = this.cache.get(keyId, () => this.load(keyId));
    // A cached record (the hot path) gives the check at once; a miss, once storage answered.
    return record instanceof Promise
      ? record.then((loaded) => this.check(apiKey, keyId, loaded))
      : this.check(apiKey, keyId, record);
  }

  private check(apiKey: string, keyId: string, record: KeyRecord | null): VerifyCheck {
    return () => {
      if (!record) return { ok: false, reason: "invalid", keyId };
      const now = this.now();
      if (!this.matched.matches(apiKey, record.secret)) {
        const previous = record.previous_secrets.find((p) => matchesHash(apiKey, p, this.peppers));
        if (!previous) return { ok: false, reason: "invalid", keyId };
        if (Date.parse(previous.valid_until) <= now) return { ok: false, reason: "rotated", keyId };
      }
      return this.standing(record, now);
    };
  }

  // Status is revealed only to a caller who proved it holds the key.
  private standing(record: KeyRecord, now: number): VerifyOutcome {
    if (record.status === "revoked") return { ok: false, reason: "revoked", keyId: record.key_id };
    if (Date.parse(record.expires_at) <= now) return { ok: false, reason: "expired", keyId: record.key_id };
    return {
      ok: true,
      key: { keyId: record.key_id, isAdmin: record.is_admin, rateLimit: record.rate_limit },
    };
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

  /**
   * Hard delete: the usage and tunnel records first, so a failure leaves a key that can be
   * purged again; then the key; then its tunnel record once more, for a registration that was
   * written while the purge ran (registrations check the key after writing, see `exists`).
   */
  async purge(keyId: string): Promise<void> {
    const record = await this.get(keyId);
    refuseAdmin(record, "purged");
    await this.store.delete("tunnels", keyId);
    await this.store.delete("usage", keyId);
    await this.store.delete("keys", keyId);
    this.cache.set(keyId, null);
    await this.store.delete("tunnels", keyId);
    for (const listener of this.purgeListeners) listener(keyId);
  }

  /** Whether the key's record is still stored, read from storage (not the cache). */
  async exists(keyId: string): Promise<boolean> {
    return (await this.load(keyId)) !== null;
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
