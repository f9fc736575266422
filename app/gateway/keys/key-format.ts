import { randomBytes, randomInt } from "node:crypto";

/**
 * API keys look like `cq_<key_id>_<secret>`: a recognisable prefix, the 12-character key id
 * (so verification looks up exactly one record and logs can name the key without the secret)
 * and 32 random bytes as base64url (43 characters). Every character is URL-safe.
 */
export const KEY_PREFIX = "cq_";
export const KEY_ID_LENGTH = 12;
export const SECRET_LENGTH = 43;
export const ADMIN_KEY_ID = "admin";

const KEY_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const KEY_ID_PATTERN = /^[a-z0-9]{12}$/;
const API_KEY_PATTERN = /^cq_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function generateKeyId(): string {
  let id = "";
  for (let i = 0; i < KEY_ID_LENGTH; i++) id += KEY_ID_ALPHABET[randomInt(KEY_ID_ALPHABET.length)];
  return id;
}

export function generateApiKey(keyId: string = generateKeyId()): string {
  return `${KEY_PREFIX}${keyId}_${randomBytes(32).toString("base64url")}`;
}

export function isKeyId(value: string): boolean {
  return KEY_ID_PATTERN.test(value);
}

/** The key id of a well-formed API key, or null for anything else. */
export function parseApiKey(value: string): { keyId: string } | null {
  const match = API_KEY_PATTERN.exec(value);
  return match ? { keyId: match[1]! } : null;
}
