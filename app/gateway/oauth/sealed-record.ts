import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { PepperRing } from "../keys/hashing.js";

const VERSION = "o1";
const INFO = "codequery/oauth-record/v1";

/**
 * Seals an OAuth record's JSON for storage: AES-256-GCM under a key derived (HKDF-SHA256) from
 * the current pepper, bound to the record id as associated data so a sealed payload cannot be
 * moved to another record. Tokens, client secrets and signing keys are never at rest in the
 * clear. The pepper id travels with the ciphertext, so records outlive a pepper rotation while
 * the old pepper is kept.
 *   format: o1.<pepper id, base64url>.<iv>.<ciphertext>.<tag>
 */
export function sealRecord(json: string, recordId: string, peppers: PepperRing): string {
  const pepper = peppers.current();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", deriveKey(pepper.secret), iv);
  cipher.setAAD(Buffer.from(recordId, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(json, "utf8"), cipher.final()]);
  return [
    VERSION,
    b64(Buffer.from(pepper.id, "utf8")),
    b64(iv),
    b64(ciphertext),
    b64(cipher.getAuthTag()),
  ].join(".");
}

/** The JSON text, or throws when the record was tampered with, moved, or its pepper is gone. */
export function openRecord(sealed: string, recordId: string, peppers: PepperRing): string {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== VERSION) throw new Error("unrecognised sealed OAuth record");
  const [, pepperId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  const secret = peppers.get(Buffer.from(pepperId, "base64url").toString("utf8"));
  if (secret === undefined)
    throw new Error("the pepper that sealed this OAuth record is no longer available");
  const decipher = createDecipheriv("aes-256-gcm", deriveKey(secret), Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(recordId, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
    "utf8",
  );
}

function deriveKey(pepperSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(pepperSecret, "utf8"), Buffer.alloc(0), INFO, 32));
}

const b64 = (buf: Buffer) => buf.toString("base64url");
