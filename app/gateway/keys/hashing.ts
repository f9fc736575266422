import { createHmac, hash, timingSafeEqual } from "node:crypto";
import type { KeyHash } from "../store/types.js";

/** One pepper: the HMAC secret mixed into every stored key hash, named so it can be rotated. */
export interface Pepper {
  id: string;
  secret: string;
}

/** The peppers the Gateway knows: the current one hashes new keys, older ones still verify. */
export interface PepperRing {
  current(): Pepper;
  get(id: string): string | undefined;
}

export function hashApiKey(apiKey: string, pepper: Pepper): KeyHash {
  return { hash: hmacHex(pepper.secret, apiKey), pepper_id: pepper.id };
}

/** True when `apiKey` hashes to `stored`; constant time; false if its pepper is unknown. */
export function matchesHash(apiKey: string, stored: KeyHash, peppers: PepperRing): boolean {
  const secret = peppers.get(stored.pepper_id);
  if (secret === undefined) return false;
  const expected = Buffer.from(stored.hash, "hex");
  const actual = Buffer.from(hmacHex(secret, apiKey), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Remembers, for a stored hash a presented key has matched, a SHA-256 digest of that key (never
 * the key itself, and only in memory): when the same key comes again, one SHA-256 and a
 * constant-time comparison stand in for the HMAC, the costliest step of a cached key's check.
 * Held per stored hash object (so it goes when the cached record does) and checked against
 * that object's hash and its pepper's secret, so a replaced or edited hash, or a pepper no
 * longer known (or, under the same id, no longer the same), is verified afresh. A different key presented for the same hash cannot match it: refused.
 */
export class MatchedKeyMemo {
  private readonly digests = new WeakMap<KeyHash, { hash: string; pepper: string; digest: Buffer }>();

  constructor(private readonly peppers: PepperRing) {}

  /** What `matchesHash(apiKey, stored, peppers)` answers. */
  matches(apiKey: string, stored: KeyHash): boolean {
    const known = this.digests.get(stored);
    const pepper = this.peppers.get(stored.pepper_id);
    if (known !== undefined && known.hash === stored.hash && known.pepper === pepper)
      return timingSafeEqual(sha256(apiKey), known.digest);
    if (pepper === undefined || !matchesHash(apiKey, stored, this.peppers)) return false;
    this.digests.set(stored, { hash: stored.hash, pepper, digest: sha256(apiKey) });
    return true;
  }
}

function sha256(value: string): Buffer {
  return hash("sha256", value, "buffer");
}

function hmacHex(secret: string, value: string): string {
  return createHmac("sha256", secret).update(value, "utf8").digest("hex");
}

/** A ring holding one pepper, for KEY_PEPPER from the environment (pepper id "env"). */
export function singlePepperRing(secret: string, id = "env"): PepperRing {
  return { current: () => ({ id, secret }), get: (wanted) => (wanted === id ? secret : undefined) };
}
