import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestError } from "../../../common/errors.js";
import type { AuditRecord, AuditSink } from "../../store/types.js";
import { AuditRecordRejectedError } from "../audit-record.js";

export const CONTRACT_ADMIN_KEY = "admin-key-for-audit-contract-0123456789";

export interface AuditSinkHarness {
  /** a sink whose `secrets` include CONTRACT_ADMIN_KEY */
  sink: AuditSink;
  cleanup(): Promise<void>;
}

const record = (over: Partial<AuditRecord>): AuditRecord => ({
  time: "2026-03-01T10:00:00.000Z",
  request_id: "req-1",
  actor: "admin",
  action: "key.generate",
  target: null,
  source_ip: "203.0.113.7",
  outcome: "success",
  ...over,
});

/** Every AuditSink must pass these. Each test uses its own key ids, so they share one sink. */
export function auditSinkContract(name: string, makeHarness: () => Promise<AuditSinkHarness>): void {
  describe(`AuditSink contract: ${name}`, () => {
    let harness: AuditSinkHarness;
    let sink: AuditSink;

    beforeAll(async () => {
      harness = await makeHarness();
      sink = harness.sink;
      const history = [
        record({
          time: "2026-03-01T10:00:00.000Z",
          actor: "admin",
          action: "key.generate",
          target: "aaaaaaaaaaa1",
        }),
        record({
          time: "2026-03-01T11:00:00.000Z",
          actor: "aaaaaaaaaaa1",
          action: "tunnel.register",
          target: "aaaaaaaaaaa1",
        }),
        record({
          time: "2026-03-02T09:30:00.000Z",
          actor: "admin",
          action: "key.rotate",
          target: "aaaaaaaaaaa1",
        }),
        record({
          time: "2026-03-02T12:00:00.000Z",
          actor: "bbbbbbbbbbb2",
          action: "key.revoke",
          target: "bbbbbbbbbbb2",
        }),
        record({
          time: "2026-03-03T08:00:00.000Z",
          actor: "anonymous",
          action: "auth.failure",
          target: "aaaaaaaaaaa1",
          outcome: "failure",
        }),
      ];
      for (const r of history) await sink.write(r);
    });
    afterAll(async () => harness?.cleanup());

    it("answers the records of a key, as actor or target, newest first", async () => {
      const found = await sink.query({ keyId: "aaaaaaaaaaa1" });
      expect(found.map((r) => r.action)).toEqual([
        "auth.failure",
        "key.rotate",
        "tunnel.register",
        "key.generate",
      ]);
      expect(found[0]).toEqual(
        record({
          time: "2026-03-03T08:00:00.000Z",
          actor: "anonymous",
          action: "auth.failure",
          target: "aaaaaaaaaaa1",
          outcome: "failure",
        }),
      );
    });

    it("filters by action", async () => {
      const found = await sink.query({ action: "key.revoke" });
      expect(found.map((r) => r.actor)).toEqual(["bbbbbbbbbbb2"]);
    });

    it("filters by time, both bounds included", async () => {
      const found = await sink.query({
        keyId: "aaaaaaaaaaa1",
        since: "2026-03-01T11:00:00.000Z",
        until: "2026-03-02T09:30:00Z",
      });
      expect(found.map((r) => r.action)).toEqual(["key.rotate", "tunnel.register"]);
    });

    it("returns at most `limit` records, the newest", async () => {
      const found = await sink.query({ keyId: "aaaaaaaaaaa1", limit: 2 });
      expect(found.map((r) => r.action)).toEqual(["auth.failure", "key.rotate"]);
    });

    it("answers an empty list when nothing matches", async () => {
      expect(await sink.query({ keyId: "zzzzzzzzzzz9" })).toEqual([]);
    });

    it("keeps every record written concurrently", async () => {
      const writes = Array.from({ length: 20 }, (_, i) =>
        sink.write(
          record({
            time: `2026-04-01T00:00:${String(i).padStart(2, "0")}.000Z`,
            actor: "ccccccccccc3",
            request_id: `r${i}`,
          }),
        ),
      );
      await Promise.all(writes);
      const found = await sink.query({ keyId: "ccccccccccc3" });
      expect(found.map((r) => r.request_id)).toEqual(Array.from({ length: 20 }, (_, i) => `r${19 - i}`));
    });

    it("refuses a record carrying a raw API key, and writes nothing", async () => {
      const leaky = record({
        actor: "ddddddddddd4",
        detail: { note: "cq_abcdefghijkl_Zm9vYmFyYmF6cXV4cXV1eA" },
      });
      await expect(sink.write(leaky)).rejects.toBeInstanceOf(AuditRecordRejectedError);
      await expect(
        sink.write(record({ actor: "ddddddddddd4", target: "cq_abcdefghijkl_Zm9vYmFy" })),
      ).rejects.toThrow(/raw API key/);
      expect(await sink.query({ keyId: "ddddddddddd4" })).toEqual([]);
    });

    it("refuses a record carrying the admin key, without repeating it in the error", async () => {
      const error = await sink
        .write(record({ actor: "eeeeeeeeeee5", detail: { header: CONTRACT_ADMIN_KEY } }))
        .catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(AuditRecordRejectedError);
      expect((error as Error).message).not.toContain(CONTRACT_ADMIN_KEY);
      expect(await sink.query({ keyId: "eeeeeeeeeee5" })).toEqual([]);
    });

    it("refuses a malformed record, naming the field", async () => {
      await expect(sink.write(record({ action: "Generate Key!" }))).rejects.toThrow(/action/);
      await expect(sink.write(record({ time: "yesterday" }))).rejects.toThrow(/time/);
      await expect(sink.write({ ...record({}), outcome: "maybe" } as unknown as AuditRecord)).rejects.toThrow(
        /outcome/,
      );
    });

    it("refuses a bad query with a 400", async () => {
      await expect(sink.query({ limit: 0 })).rejects.toBeInstanceOf(BadRequestError);
      await expect(sink.query({ limit: 100_000 })).rejects.toBeInstanceOf(BadRequestError);
      await expect(sink.query({ since: "last tuesday" })).rejects.toThrow(/since/);
    });
  });
}
