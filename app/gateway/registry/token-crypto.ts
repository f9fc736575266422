import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { PepperRing } from "../keys/hashing.js";

const VERSION = "v1";
const INFO = "codequery/core-token/v1";

/**
 * Encrypts a Core's bearer token for storage: AES-256-GCM under a key derived (HKDF-SHA256)
 * from the current pepper, bound to the key id as associated data so a token cannot be moved
 * to another key's record. The pepper id travels with the ciphertext, so tokens written before
 * a pepper rotation still decrypt while the old pepper is kept.
 *   format: v1.<pepper id, base64url>.<iv>.<ciphertext>.<tag>
 */
export function encryptCoreToken(token: string, keyId: string, peppers: PepperRing): string {
  const pepper = peppers.current();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", deriveKey(pepper.secret), iv);
  cipher.setAAD(Buffer.from(keyId, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
  return [
    VERSION,
    b64(Buffer.from(pepper.id, "utf8")),
    b64(iv),
    b64(ciphertext),
    b64(cipher.getAuthTag()),
  ].join(".");
}

/** The token, or throws when the record was tampered with or its pepper is gone. */
export function decryptCoreToken(sealed: string, keyId: string, peppers: PepperRing): string {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== VERSION) throw new Error("unrecognised core token format");
  const [, pepperId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  const secret = peppers.get(Buffer.from(pepperId, "base64url").toString("utf8"));
  if (secret === undefined) throw new Error("the pepper that sealed this core token is no longer available");
  const decipher = createDecipheriv("aes-256-gcm", deriveKey(secret), Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(keyId, "utf8"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString(
    "utf8",
  );
}

function deriveKey(pepperSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(pepperSecret, "utf8"), Buffer.alloc(0), INFO, 32));
}

const b64 = (buf: Buffer) => buf.toString("base64url");
