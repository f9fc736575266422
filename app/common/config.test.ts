import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, parseConfig, readEnvironment } from "./config.js";
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
    writeFileSync(file, "NAME=from-file\nPORT=7000\n");
    const env = readEnvironment({ PORT: "7001" }, file);
    expect(env.NAME).toBe("from-file");
    expect(env.PORT).toBe("7001");
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
