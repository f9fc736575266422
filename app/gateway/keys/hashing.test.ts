import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashApiKey, MatchedKeyMemo, matchesHash, singlePepperRing, type PepperRing } from "./hashing.js";

const key = () => `cq_${randomBytes(6).toString("hex")}_${randomBytes(32).toString("base64url")}`;

describe("MatchedKeyMemo", () => {
  const peppers = singlePepperRing(randomBytes(32).toString("base64url"));

  it("answers as matchesHash does, first time and every time after, for the right key and wrong ones", () => {
    const memo = new MatchedKeyMemo(peppers);
    const right = key();
    const stored = hashApiKey(right, peppers.current());
    const wrong = [key(), right.slice(0, -1) + (right.endsWith("A") ? "B" : "A"), "", right + " "];
    // A wrong key first: it must not be remembered as matching.
    for (const candidate of wrong) expect(memo.matches(candidate, stored)).toBe(false);
    for (let round = 0; round < 3; round++) {
      expect(memo.matches(right, stored)).toBe(true);
      for (const candidate of wrong) {
        expect(memo.matches(candidate, stored)).toBe(false);
        expect(matchesHash(candidate, stored, peppers)).toBe(false);
      }
    }
  });

  it("verifies afresh when the stored hash changes in place (a rotation that edits the record)", () => {
    const memo = new MatchedKeyMemo(peppers);
    const [first, second] = [key(), key()];
    const stored = hashApiKey(first, peppers.current());
    expect(memo.matches(first, stored)).toBe(true);
    Object.assign(stored, hashApiKey(second, peppers.current()));
    expect(memo.matches(first, stored)).toBe(false);
    expect(memo.matches(second, stored)).toBe(true);
    expect(memo.matches(first, stored)).toBe(false);
  });

  it("refuses a remembered key once its pepper is no longer known", () => {
    let known = true;
    const secret = randomBytes(32).toString("base64url");
    const ring: PepperRing = {
      current: () => ({ id: "p1", secret }),
      get: (id) => (known && id === "p1" ? secret : undefined),
    };
    const memo = new MatchedKeyMemo(ring);
    const right = key();
    const stored = hashApiKey(right, ring.current());
    expect(memo.matches(right, stored)).toBe(true);
    known = false;
    expect(memo.matches(right, stored)).toBe(false);
    known = true;
    expect(memo.matches(right, stored)).toBe(true);
  });

  it("refuses a remembered key once its pepper id names another secret", () => {
    let secret = randomBytes(32).toString("base64url");
    const ring: PepperRing = {
      current: () => ({ id: "p1", secret }),
      get: (id) => (id === "p1" ? secret : undefined),
    };
    const memo = new MatchedKeyMemo(ring);
    const right = key();
    const stored = hashApiKey(right, ring.current());
    expect(memo.matches(right, stored)).toBe(true);
    secret = randomBytes(32).toString("base64url");
    expect(matchesHash(right, stored, ring)).toBe(false);
    expect(memo.matches(right, stored)).toBe(false);
  });

  it("keeps apart stored hashes of different keys", () => {
    const memo = new MatchedKeyMemo(peppers);
    const keys = Array.from({ length: 20 }, key);
    const stored = keys.map((k) => hashApiKey(k, peppers.current()));
    for (let round = 0; round < 2; round++) {
      keys.forEach((k, i) => {
        stored.forEach((s, j) => expect(memo.matches(k, s)).toBe(i === j));
      });
    }
  });
});
