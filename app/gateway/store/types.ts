/**
 * The Gateway's persistent state, shared by every backend (file | s3) and by the ops runbooks
 * (restore, api-keys --store, rotate-admin-secret) that read it directly.
 *
 * Layout (relative to DATA_DIR for `file`, to `s3://S3_BUCKET/S3_PREFIX` for `s3`):
 *   keys/<key_id>.json      KeyRecord      — one object per API key
 *   tunnels/<key_id>.json   TunnelRecord   — the Core registered by that key
 *   usage/<key_id>.json     UsageRecord    — counters, flushed in batches (kept apart so usage
 *                                            writes never conflict with key operations)
 *   audit/...               AuditRecord    — JSONL file locally; one object per record in S3
 *
 * Every record is JSON with a `schema` number so a future change can migrate old records.
 */

export const RECORD_KINDS = ["keys", "tunnels", "usage", "oauth"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** A hash of one secret: HMAC-SHA256(pepper[pepper_id], api key), hex. */
export interface KeyHash {
  hash: string;
  pepper_id: string;
}

export interface KeyRecord {
  schema: 1;
  key_id: string;
  label: string | null;
  /** current secret */
  secret: KeyHash;
  /** secrets replaced by rotation, still accepted until `valid_until` (ISO time) */
  previous_secrets: Array<KeyHash & { valid_until: string }>;
  created_at: string;
  expires_at: string;
  /** requests per minute */
  rate_limit: number;
  status: "active" | "revoked";
  revoked_at: string | null;
  rotated_at: string | null;
  /** the admin key's record cannot be purged or revoked */
  is_admin: boolean;
}

export interface TunnelRecord {
  schema: 1;
  key_id: string;
  url: string;
  /**
   * The bearer token the Core generated for this registration, encrypted by the Gateway
   * (AES-256-GCM under a key derived from the pepper) so it is never at rest in the clear.
   */
  core_token_enc: string;
  registered_at: string;
}

export interface UsageRecord {
  schema: 1;
  key_id: string;
  last_used: string | null;
  total_requests: number;
}

export interface AuditRecord {
  time: string;
  request_id: string | null;
  actor: string; // key id, "admin", "anonymous" or "runbook:<name>"
  action: string; // e.g. key.generate, key.rotate, key.revoke, key.restore, key.purge, tunnel.register, auth.failure
  target: string | null; // key id acted upon
  source_ip: string | null;
  outcome: "success" | "failure";
  detail?: Record<string, unknown>;
}

/** A record with the version tag the store needs for a conditional write. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

export interface PutOptions {
  /** write only if the stored record still has this etag (optimistic concurrency) */
  ifMatch?: string;
  /** write only if there is no record yet */
  ifNoneMatch?: boolean;
}

/**
 * Low-level record storage. `put` with a failed condition throws `PreconditionFailedError`;
 * an unreachable or throttled backend throws `StoreUnavailableError` (mapped to 503).
 */
export interface RecordStore {
  readonly backend: "file" | "s3";
  get<T>(kind: RecordKind, id: string): Promise<Versioned<T> | null>;
  list<T>(kind: RecordKind): Promise<Array<Versioned<T>>>;
  put<T>(kind: RecordKind, id: string, value: T, options?: PutOptions): Promise<string>;
  delete(kind: RecordKind, id: string): Promise<void>;
  /** cheap reachability check for health pages */
  ping(): Promise<void>;
}

export interface AuditSink {
  write(record: AuditRecord): Promise<void>;
  /** newest first */
  query(filter: {
    keyId?: string;
    action?: string;
    since?: string;
    until?: string;
    limit?: number;
  }): Promise<AuditRecord[]>;
}

/**
 * Secrets Manager secret (ADMIN_SECRET_ID) holding the admin key and the key peppers, as JSON:
 *   { "admin_api_key": "...", "peppers": { "<pepper_id>": "<secret>", ... }, "current_pepper": "<pepper_id>" }
 * Old peppers stay in the map so keys hashed with them keep verifying after a pepper rotation.
 * With KEY_PEPPER from the environment instead, the pepper id is "env".
 */
export interface GatewaySecret {
  admin_api_key: string;
  peppers: Record<string, string>;
  current_pepper: string;
}
