import { createHmac, timingSafeEqual } from "node:crypto";
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

function hmacHex(secret: string, value: string): string {
  return createHmac("sha256", secret).update(value, "utf8").digest("hex");
}

/** A ring holding one pepper, for KEY_PEPPER from the environment (pepper id "env"). */
export function singlePepperRing(secret: string, id = "env"): PepperRing {
  return { current: () => ({ id, secret }), get: (wanted) => (wanted === id ? secret : undefined) };
}
