import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileRecordStore } from "./file-store.js";
import { recordStoreContract } from "./testing/record-store.contract.js";

recordStoreContract("file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cq-file-store-"));
  return {
    store: new FileRecordStore({ dir }),
    async writeRaw(kind, id, text) {
      mkdirSync(join(dir, kind), { recursive: true });
      writeFileSync(join(dir, kind, `${id}.json`), text);
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("FileRecordStore on disk", () => {
  it("keeps records at <dir>/<kind>/<id>.json and leaves no temp or lock files behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cq-file-store-"));
    try {
      const store = new FileRecordStore({ dir });
      await store.put("keys", "abc123", { schema: 1 });
      await store.put(
        "keys",
        "abc123",
        { schema: 1, v: 2 },
        { ifMatch: (await store.get("keys", "abc123"))!.etag },
      );
      expect(readdirSync(join(dir, "keys"))).toEqual(["abc123.json"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("sweeps temp files of writes killed long ago, and leaves recent ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cq-file-store-"));
    try {
      const store = new FileRecordStore({ dir });
      await store.put("keys", "real", { schema: 1 });
      const old = join(dir, "keys", ".real.json.0a1b2c.tmp");
      const recent = join(dir, "keys", ".real.json.3d4e5f.tmp");
      writeFileSync(old, "{");
      writeFileSync(recent, "{");
      const anHourAgo = new Date(Date.now() - 3_600_000);
      utimesSync(old, anHourAgo, anHourAgo);
      await store.list("keys");
      expect(readdirSync(join(dir, "keys")).sort()).toEqual([".real.json.3d4e5f.tmp", "real.json"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ignores stray temp and lock files when listing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cq-file-store-"));
    try {
      const store = new FileRecordStore({ dir });
      await store.put("keys", "real", { schema: 1 });
      writeFileSync(join(dir, "keys", ".real.json.0a1b2c.tmp"), '{"schema": 1, "par');
      writeFileSync(join(dir, "keys", "ghost.json.lock"), "{}");
      writeFileSync(join(dir, "keys", "notes.txt"), "hello");
      expect((await store.list("keys")).map((r) => r.value)).toEqual([{ schema: 1 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
