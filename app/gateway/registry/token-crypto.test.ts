import { describe, expect, it } from "vitest";
import type { PepperRing } from "../keys/hashing.js";
import { decryptCoreToken, encryptCoreToken } from "./token-crypto.js";

const TOKEN = "core-token-0123456789abcdefghijkl";
const peppers = (current: string, all: Record<string, string>): PepperRing => ({
  current: () => ({ id: current, secret: all[current]! }),
  get: (id) => all[id],
});

describe("Core token encryption", () => {
  it("round-trips and never contains the token in the clear", () => {
    const ring = peppers("p1", { p1: "pepper-one-0123456789" });
    const sealed = encryptCoreToken(TOKEN, "abcdefghijkl", ring);
    expect(sealed).not.toContain(TOKEN);
    expect(decryptCoreToken(sealed, "abcdefghijkl", ring)).toBe(TOKEN);
    expect(encryptCoreToken(TOKEN, "abcdefghijkl", ring)).not.toBe(sealed);
  });

  it("still decrypts after a pepper rotation while the old pepper is kept", () => {
    const before = peppers("p1", { p1: "pepper-one-0123456789" });
    const sealed = encryptCoreToken(TOKEN, "abcdefghijkl", before);
    const after = peppers("p2", { p1: "pepper-one-0123456789", p2: "pepper-two-0123456789" });
    expect(decryptCoreToken(sealed, "abcdefghijkl", after)).toBe(TOKEN);
    expect(() =>
      decryptCoreToken(sealed, "abcdefghijkl", peppers("p2", { p2: "pepper-two-0123456789" })),
    ).toThrow(/no longer available/);
  });

  it("refuses a token moved to another key's record or tampered with", () => {
    const ring = peppers("p1", { p1: "pepper-one-0123456789" });
    const sealed = encryptCoreToken(TOKEN, "abcdefghijkl", ring);
    expect(() => decryptCoreToken(sealed, "zzzzzzzzzzzz", ring)).toThrow();
    const parts = sealed.split(".");
    parts[3] = Buffer.from("x" + Buffer.from(parts[3]!, "base64url").toString("latin1"), "latin1").toString(
      "base64url",
    );
    expect(() => decryptCoreToken(parts.join("."), "abcdefghijkl", ring)).toThrow();
    expect(() => decryptCoreToken("v0.garbage", "abcdefghijkl", ring)).toThrow(/format/);
  });
});
