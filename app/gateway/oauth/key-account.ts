import { createHash } from "node:crypto";
import type { VerifiedKey } from "../keys/key-service.js";
import type { KeyHash, KeyRecord } from "../store/types.js";

/**
 * The OAuth account a grant is issued to: the API key that approved it, and which of that key's
 * secrets was typed on the consent page. Written `<key id>.<secret fingerprint>`, so a token stops
 * working when that secret does: key revoked, expired, purged, or rotated past its grace period.
 */
export interface KeyAccount {
  keyId: string;
  fingerprint: string;
}

export type KeyAccountStatus =
  | { ok: true; principal: VerifiedKey }
  | { ok: false; reason: "purged" | "revoked" | "expired" | "rotated"; message: string };

/** A stored secret hash, hashed once more: it names the secret without repeating it. */
export function fingerprintOf(secret: KeyHash): string {
  return createHash("sha256")
    .update(`${secret.pepper_id}:${secret.hash}`, "utf8")
    .digest("base64url")
    .slice(0, 22);
}

export function accountIdOf(account: KeyAccount): string {
  return `${account.keyId}.${account.fingerprint}`;
}

export function parseAccountId(accountId: string): KeyAccount | null {
  const match = /^([a-z0-9]{12})\.([A-Za-z0-9_-]{22})$/.exec(accountId);
  return match ? { keyId: match[1]!, fingerprint: match[2]! } : null;
}

/** Whether tokens of `account` may still act for its key, judged from the key's record at `now`. */
export function keyAccountStatus(
  account: KeyAccount,
  record: KeyRecord | null,
  now: number,
): KeyAccountStatus {
  if (!record)
    return { ok: false, reason: "purged", message: "The API key this token acts for no longer exists" };
  if (record.status === "revoked")
    return { ok: false, reason: "revoked", message: "The API key this token acts for has been revoked" };
  if (Date.parse(record.expires_at) <= now)
    return { ok: false, reason: "expired", message: "The API key this token acts for has expired" };
  const current = fingerprintOf(record.secret) === account.fingerprint;
  const inGrace = record.previous_secrets.some(
    (p) => fingerprintOf(p) === account.fingerprint && Date.parse(p.valid_until) > now,
  );
  if (!current && !inGrace) {
    return {
      ok: false,
      reason: "rotated",
      message: "The API key this token acts for was rotated; authorize again with the new key",
    };
  }
  return { ok: true, principal: { keyId: record.key_id, isAdmin: false, rateLimit: record.rate_limit } };
}

/** The fingerprint of the secret `apiKey` matched in `record` (current or in its grace period). */
export function matchedFingerprint(record: KeyRecord, matches: (stored: KeyHash) => boolean): string | null {
  const secret = [record.secret, ...record.previous_secrets].find(matches);
  return secret ? fingerprintOf(secret) : null;
}
