import { describe, expect, it } from "vitest";
import { DEFAULT_TUNNEL_HOST_ALLOWLIST, isHostAllowed, isValidHostPattern } from "./host-allowlist.js";

describe("isHostAllowed", () => {
  const ngrok = DEFAULT_TUNNEL_HOST_ALLOWLIST;

  it.each([
    "abc123.ngrok-free.app",
    "x.ngrok.app",
    "a.b.ngrok.io",
    "team.ngrok.dev",
    "z.ngrok-free.dev",
    "ABC.NGROK.APP",
    "abc.ngrok.app.",
  ])("allows the ngrok tunnel host %s by default", (host) => {
    expect(isHostAllowed(host, ngrok)).toBe(true);
  });

  it.each([
    "ngrok.app",
    "evilngrok.app",
    "ngrok.app.evil.com",
    "abc.ngrok.app.evil.com",
    "example.com",
    "localhost",
    "",
  ])("refuses %s", (host) => {
    expect(isHostAllowed(host, ngrok)).toBe(false);
  });

  it("matches an exact host only exactly", () => {
    expect(isHostAllowed("core.example.com", ["core.example.com"])).toBe(true);
    expect(isHostAllowed("x.core.example.com", ["core.example.com"])).toBe(false);
  });

  it("allows nothing with an empty list", () => {
    expect(isHostAllowed("abc.ngrok.app", [])).toBe(false);
  });
});

describe("isValidHostPattern", () => {
  it("accepts wildcard domains and exact hosts", () => {
    for (const p of [...DEFAULT_TUNNEL_HOST_ALLOWLIST, "core.example.com", "localhost"])
      expect(isValidHostPattern(p)).toBe(true);
  });

  it("refuses malformed patterns", () => {
    for (const p of ["*", "*.", "a.*.com", "https://x.com", "x.com/path", "", "-bad.com"])
      expect(isValidHostPattern(p)).toBe(false);
  });
});
