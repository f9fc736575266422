import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { closestName, ConfigError, knownSettingNames, parseConfig, readEnvironment } from "./config.js";
import { envBoolean, envInt } from "./env-schema.js";
import { backoffDelay } from "./backoff.js";
import { safeEqual } from "./http.js";

const schema = z.object({
  PORT: envInt(5001, 0, 65535),
  FLAG: envBoolean(false),
  NAME: z.string({ error: "is required" }),
});

describe("configuration", () => {
  it("applies defaults and converts types", () => {
    expect(parseConfig(schema, { NAME: "x" })).toEqual({ PORT: 5001, FLAG: false, NAME: "x" });
  });

  it("names every bad variable in one message", () => {
    expect(() => parseConfig(schema, { PORT: "70000", FLAG: "maybe" })).toThrow(ConfigError);
    try {
      parseConfig(schema, { PORT: "70000", FLAG: "maybe" });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toMatch(/PORT: expected a whole number from 0 to 65535, got "70000"/);
      expect(message).toMatch(/FLAG: expected true or false, got "maybe"/);
      expect(message).toMatch(/NAME: is required/);
    }
  });

  it("reads a .env file, and real environment variables win over it", () => {
    const dir = mkdtempSync(join(tmpdir(), "cq-env-"));
    const file = join(dir, ".env");
    writeFileSync(file, "PROJECT_PATH=from-file\nCORE_PORT=7000\n");
    const env = readEnvironment({ CORE_PORT: "7001" }, file);
    expect(env.PROJECT_PATH).toBe("from-file");
    expect(env.CORE_PORT).toBe("7001");
  });

  it("refuses a misspelt name in .env and names the setting it resembles", () => {
    const dir = mkdtempSync(join(tmpdir(), "cq-env-"));
    const file = join(dir, ".env");
    writeFileSync(file, "PROJCT_PATH=/srv/code\nGATEWAY_URL=http://127.0.0.1:8080\n");
    expect(() => readEnvironment({}, file)).toThrow(
      new ConfigError(
        `${file}: not a setting: PROJCT_PATH (did you mean PROJECT_PATH?). Fix or remove it; every setting is listed in .env.example`,
      ),
    );
  });

  it("refuses a name that resembles no setting, and lets the AWS SDK's own names through", () => {
    const dir = mkdtempSync(join(tmpdir(), "cq-env-"));
    const file = join(dir, ".env");
    writeFileSync(file, "AWS_PROFILE=dev\nWIBBLE=1\n");
    expect(() => readEnvironment({}, file)).toThrow(/not a setting: WIBBLE\. Fix or remove it/);
  });

  it("knows every setting .env.example lists, commented-out ones too", () => {
    const known = knownSettingNames();
    for (const name of ["PROJECT_PATH", "API_KEY", "ADMIN_API_KEY", "TUNNEL_HOST_ALLOWLIST", "BACKUP_REGION"])
      expect(known.has(name)).toBe(true);
    expect(closestName("GATEWAY_PROT", known)).toBe("GATEWAY_PORT");
    expect(closestName("SOMETHING_ELSE_ENTIRELY", known)).toBeUndefined();
  });
});

describe("helpers", () => {
  it("compares secrets by value", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(safeEqual("", "")).toBe(true);
  });

  it("caps exponential backoff and jitters below the ceiling", () => {
    expect(backoffDelay(0, 100, 5000, () => 0.999)).toBe(99);
    expect(backoffDelay(3, 100, 5000, () => 0.5)).toBe(400);
    expect(backoffDelay(20, 100, 5000, () => 0.999)).toBe(4995);
    expect(backoffDelay(5, 100, 5000, () => 0)).toBe(0);
  });
});
