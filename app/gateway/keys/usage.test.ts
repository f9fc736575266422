import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../common/logger.js";
import { FileRecordStore } from "../store/file-store.js";
import type { UsageRecord } from "../store/types.js";
import { UsageTracker } from "./usage.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tracker() {
  const dir = mkdtempSync(join(tmpdir(), "cq-usage-"));
  dirs.push(dir);
  const store = new FileRecordStore({ dir });
  return { store, usage: new UsageTracker(store, () => Date.parse("2026-11-25T12:00:00Z"), silentLogger()) };
}

describe("usage counters", () => {
  it("writes a batch of requests as one total per key", async () => {
    const { store, usage } = tracker();
    for (let i = 0; i < 5; i++) usage.record("abcdefghijkl");
    await usage.flush();
    const stored = await store.get<UsageRecord>("usage", "abcdefghijkl");
    expect(stored?.value.total_requests).toBe(5);
    expect(stored?.value.last_used).toBe("2026-11-25T12:00:00.000Z");
  });

  it("a flush asked for while another runs also writes what was counted meanwhile", async () => {
    const { store, usage } = tracker();
    usage.record("abcdefghijkl");
    const first = usage.flush();
    usage.record("abcdefghijkl");
    usage.record("abcdefghijkl");
    await usage.flush();
    await first;
    expect((await store.get<UsageRecord>("usage", "abcdefghijkl"))?.value.total_requests).toBe(3);
  });

  it("does not write a usage record for a key forgotten before the flush", async () => {
    const { store, usage } = tracker();
    usage.record("abcdefghijkl");
    usage.forget("abcdefghijkl");
    await usage.flush();
    expect(await store.get("usage", "abcdefghijkl")).toBeNull();
  });
});
