import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { isoTime } from "./logger.js";

describe("isoTime", () => {
  it("writes pino's isoTime field exactly, across second, minute, day and year boundaries", () => {
    const starts = [
      0,
      999,
      1_000,
      59_999,
      86_399_999,
      Date.UTC(2026, 11, 31, 23, 59, 59, 990),
      Date.UTC(1999, 0, 1),
    ];
    for (const start of starts) {
      for (let now = start; now < start + 25; now++) {
        expect(isoTime(now)).toBe(`,"time":"${new Date(now).toISOString()}"`);
      }
    }
    // Going back in time (a clock step) is formatted as well as going forward.
    for (const now of [
      Date.UTC(2030, 5, 1, 12, 0, 0, 7),
      Date.UTC(2020, 5, 1, 12, 0, 0, 70),
      123_456_789_012,
    ]) {
      expect(isoTime(now)).toBe(`,"time":"${new Date(now).toISOString()}"`);
    }
  });

  it("defaults to the current time, as pino's own does", () => {
    const before = Date.now();
    const field = JSON.parse(`{${isoTime().slice(1)}}`) as { time: string };
    const at = Date.parse(field.time);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(pino.stdTimeFunctions.isoTime().length).toBe(isoTime().length);
  });

  it("leaves years past 9999 to Date", () => {
    const far = Date.UTC(12_000, 0, 1, 0, 0, 0, 5);
    expect(isoTime(far)).toBe(`,"time":"${new Date(far).toISOString()}"`);
    expect(isoTime(far + 1)).toBe(`,"time":"${new Date(far + 1).toISOString()}"`);
  });
});
