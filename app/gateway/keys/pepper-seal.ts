import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { PepperRing } from "./hashing.js";

export interface PepperSeal {
  /** Encrypts `plaintext`, bound to `boundTo` (a record or key id) as associated data. */
  seal(plaintext: string, boundTo: string): string;
  /** The plaintext, or throws when the payload was tampered with, moved, or its pepper is gone. */
  open(sealed: string, boundTo: string): string;
}

/**
 * Sealing of secrets at rest under the pepper: AES-256-GCM with a key derived (HKDF-SHA256) from
 * the current pepper and a purpose label (`info`), so each use has a key of its own. The id the
 * payload belongs to is associated data, so a sealed payload cannot be moved to another record.
 * The pepper id travels with the ciphertext, so payloads outlive a pepper rotation while the old
 * pepper is kept.
 *   format: <version>.<pepper id, base64url>.<iv>.<ciphertext>.<tag>
 */
export function pepperSeal(options: {
  version: string;
  info: string;
  what: string;
}): (peppers: PepperRing) => PepperSeal {
  const deriveKey = (pepperSecret: string) =>
    Buffer.from(hkdfSync("sha256", Buffer.from(pepperSecret, "utf8"), Buffer.alloc(0), options.info, 32));
  return (peppers: PepperRing): PepperSeal => ({
    seal(plaintext, boundTo) {
      const pepper = peppers.current();
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", deriveKey(pepper.secret), iv);
      cipher.setAAD(Buffer.from(boundTo, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return [
        options.version,
        b64(Buffer.from(pepper.id, "utf8")),
        b64(iv),
        b64(ciphertext),
        b64(cipher.getAuthTag()),
      ].join(".");
    },
    open(sealed, boundTo) {
      const parts = sealed.split(".");
      if (parts.length !== 5 || parts[0] !== options.version)
        throw new Error(`unrecognised ${options.what} format`);
      const [, pepperId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
      const secret = peppers.get(Buffer.from(pepperId, "base64url").toString("utf8"));
      if (secret === undefined)
        throw new Error(`the pepper that sealed this ${options.what} is no longer available`);
      const decipher = createDecipheriv("aes-256-gcm", deriveKey(secret), Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(boundTo, "utf8"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, "base64url")),
        decipher.final(),
      ]).toString("utf8");
    },
  });
}

const b64 = (buf: Buffer) => buf.toString("base64url");
