import { describe, expect, it } from "vitest";
import { openRecord, sealRecord } from "../oauth/sealed-record.js";
import { decryptCoreToken, encryptCoreToken } from "../registry/token-crypto.js";
import type { PepperRing } from "./hashing.js";
import { pepperSeal } from "./pepper-seal.js";

const ring: PepperRing = {
  current: () => ({ id: "p1", secret: "pepper-one-0123456789" }),
  get: (id) => (id === "p1" ? "pepper-one-0123456789" : undefined),
};

describe("pepper seals", () => {
  it("give each purpose a key of its own: a payload sealed for one cannot be opened as another", () => {
    const sameVersion = pepperSeal({ version: "v1", info: "codequery/other-purpose/v1", what: "other" });
    const sealed = encryptCoreToken("core-token-0123456789", "key-id", ring);
    expect(() => sameVersion(ring).open(sealed, "key-id")).toThrow();
    expect(() => openRecord(sealed, "key-id", ring)).toThrow(/format/);
    const record = sealRecord('{"a":1}', "record-id", ring);
    expect(() => decryptCoreToken(record, "record-id", ring)).toThrow(/format/);
    expect(openRecord(record, "record-id", ring)).toBe('{"a":1}');
  });

  it("name what they could not open in their errors", () => {
    expect(() => openRecord("x.y", "record-id", ring)).toThrow("unrecognised OAuth record format");
    const gone: PepperRing = { current: ring.current, get: () => undefined };
    expect(() => openRecord(sealRecord("{}", "r", ring), "r", gone)).toThrow(
      "the pepper that sealed this OAuth record is no longer available",
    );
  });
});
