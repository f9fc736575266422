import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditSinkContract, CONTRACT_ADMIN_KEY } from "./testing/audit-sink.contract.js";
import { createAuditSink } from "./audit-sink.js";
import { FileAuditSink } from "./file-audit-sink.js";

auditSinkContract("file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cq-audit-"));
  return {
    sink: new FileAuditSink({ path: join(dir, "audit.jsonl"), secrets: () => [CONTRACT_ADMIN_KEY] }),
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("FileAuditSink", () => {
  const base = {
    request_id: null,
    actor: "admin",
    target: null,
    source_ip: null,
    outcome: "success" as const,
  };

  it("writes one JSON line per record to <DATA_DIR>/audit.jsonl", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cq-audit-"));
    try {
      const sink = createAuditSink({ kind: "file", dataDir: dir });
      await sink.write({ ...base, time: "2026-01-01T00:00:00.000Z", action: "key.generate" });
      await sink.write({ ...base, time: "2026-01-01T00:00:01.000Z", action: "key.revoke" });
      const lines = readFileSync(join(dir, "audit.jsonl"), "utf8").trimEnd().split("\n");
      expect(lines.map((l) => (JSON.parse(l) as { action: string }).action)).toEqual([
        "key.generate",
        "key.revoke",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("skips a torn last line left by a crash instead of failing the query", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cq-audit-"));
    try {
      const path = join(dir, "audit.jsonl");
      const sink = new FileAuditSink({ path });
      await sink.write({ ...base, time: "2026-01-01T00:00:00.000Z", action: "key.generate" });
      appendFileSync(path, '{"time":"2026-01-01T00:00:02.000Z","actor":"adm');
      expect((await sink.query({})).map((r) => r.action)).toEqual(["key.generate"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers an empty list before anything was written", async () => {
    expect(
      await new FileAuditSink({ path: join(tmpdir(), "cq-missing-dir-x", "audit.jsonl") }).query({}),
    ).toEqual([]);
  });
});
