import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileRecordStore } from "./file-store.js";
import { createRecordStore } from "./record-store.js";
import { S3RecordStore } from "./s3-store.js";

describe("createRecordStore", () => {
  it("builds the file store from STORE=file and DATA_DIR", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cq-factory-"));
    try {
      const store = createRecordStore({ kind: "file", dataDir: dir });
      expect(store).toBeInstanceOf(FileRecordStore);
      await store.put("keys", "k1", { schema: 1 });
      expect((await store.get("keys", "k1"))?.value).toEqual({ schema: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("builds the S3 store for an s3 backend", () => {
    const store = createRecordStore({
      kind: "s3",
      bucket: "b",
      prefix: "",
      region: "us-east-1",
      endpoint: "http://127.0.0.1:1",
    });
    expect(store).toBeInstanceOf(S3RecordStore);
    expect(store.backend).toBe("s3");
  });
});
