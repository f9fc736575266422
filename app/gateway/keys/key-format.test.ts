import { describe, expect, it } from "vitest";
import { generateApiKey, generateKeyId, parseApiKey } from "./key-format.js";
import { hashApiKey, matchesHash, type PepperRing } from "./hashing.js";

describe("API key format", () => {
  it("makes URL-safe keys carrying their key id", () => {
    const keyId = generateKeyId();
    const key = generateApiKey(keyId);
    expect(key).toMatch(/^cq_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(key)).toBe(key);
    expect(parseApiKey(key)).toEqual({ keyId });
  });

  it("draws different ids and secrets every time", () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey()));
    expect(keys.size).toBe(200);
  });

  it.each([
    "",
    "cq_",
    "cq_abc_def",
    `xx_abcdefghijkl_${"a".repeat(43)}`,
    `cq_abcdefghijkl_${"a".repeat(42)}`,
    `cq_abcdefghijkl_${"a".repeat(44)}`,
    `cq_abcdefghijk!_${"a".repeat(43)}`,
    `cq_abcdefghijkl_${"a".repeat(42)}=`,
  ])("rejects the malformed key %j", (value) => expect(parseApiKey(value)).toBeNull());
});

describe("key hashing", () => {
  const ring: PepperRing = {
    current: () => ({ id: "p2", secret: "second-pepper-secret-value" }),
    get: (id) => ({ p1: "first-pepper-secret-value", p2: "second-pepper-secret-value" })[id],
  };

  it("verifies with the pepper named in the hash, old peppers included", () => {
    const key = generateApiKey();
    const old = hashApiKey(key, { id: "p1", secret: "first-pepper-secret-value" });
    const current = hashApiKey(key, ring.current());
    expect(matchesHash(key, old, ring)).toBe(true);
    expect(matchesHash(key, current, ring)).toBe(true);
    expect(old.hash).not.toBe(current.hash);
  });

  it("fails for another key, a removed pepper or a tampered hash", () => {
    const key = generateApiKey();
    const stored = hashApiKey(key, ring.current());
    expect(matchesHash(generateApiKey(), stored, ring)).toBe(false);
    expect(matchesHash(key, { ...stored, pepper_id: "gone" }, ring)).toBe(false);
    expect(matchesHash(key, { ...stored, hash: "00" }, ring)).toBe(false);
  });
});
