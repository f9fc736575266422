import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptRecordError, InvalidRecordIdError, PreconditionFailedError } from "../errors.js";
import { updateRecord } from "../record-store.js";
import type { RecordKind, RecordStore } from "../types.js";

/** What a backend's test file provides to run the shared contract against it. */
export interface RecordStoreHarness {
  store: RecordStore;
  /** writes bytes where a record would live, bypassing the store (to simulate damage) */
  writeRaw(kind: RecordKind, id: string, text: string): Promise<void>;
  cleanup(): Promise<void>;
}

interface Counter {
  schema: 1;
  n: number;
}

const PATH_TRICKS = [
  "../keys/x",
  "..",
  ".",
  "a/b",
  "a\\b",
  "",
  "UPPER",
  "x.json",
  "%2e%2e",
  "a\0b",
  "k".repeat(129),
  " a",
];

/** One behaviour per test; every backend must pass all of them. */
export function recordStoreContract(name: string, makeHarness: () => Promise<RecordStoreHarness>): void {
  describe(`RecordStore contract: ${name}`, () => {
    let harness: RecordStoreHarness;
    let store: RecordStore;
    let seq = 0;
    const freshId = () => `rec-${Date.now().toString(36)}-${seq++}`;

    beforeAll(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterAll(async () => harness?.cleanup());

    it("answers null for a record that does not exist", async () => {
      expect(await store.get("keys", freshId())).toBeNull();
    });

    it("reads back what it wrote, with the etag the put returned", async () => {
      const id = freshId();
      const etag = await store.put("keys", id, { schema: 1, key_id: id, label: "émoji ✓" });
      const got = await store.get("keys", id);
      expect(got).toEqual({ value: { schema: 1, key_id: id, label: "émoji ✓" }, etag });
    });

    it("gives a new etag when the content changes", async () => {
      const id = freshId();
      const first = await store.put("usage", id, { schema: 1, n: 1 });
      const second = await store.put("usage", id, { schema: 1, n: 2 });
      expect(second).not.toBe(first);
    });

    it("lists every record of a kind and only that kind", async () => {
      const ids = [freshId(), freshId(), freshId()];
      for (const id of ids) await store.put("tunnels", id, { schema: 1, key_id: id });
      await store.put("keys", ids[0]!, { schema: 1, key_id: ids[0] });
      const listed = await store.list<{ key_id: string }>("tunnels");
      const listedIds = listed.map((r) => r.value.key_id);
      for (const id of ids) expect(listedIds).toContain(id);
      for (const record of listed)
        expect(record.etag).toBe((await store.get("tunnels", record.value.key_id))!.etag);
    });

    it("deletes a record, and deleting a missing record is not an error", async () => {
      const id = freshId();
      await store.put("keys", id, { schema: 1 });
      await store.delete("keys", id);
      expect(await store.get("keys", id)).toBeNull();
      await expect(store.delete("keys", id)).resolves.toBeUndefined();
    });

    it("creates only once with ifNoneMatch", async () => {
      const id = freshId();
      await store.put("keys", id, { schema: 1, v: "first" }, { ifNoneMatch: true });
      await expect(
        store.put("keys", id, { schema: 1, v: "second" }, { ifNoneMatch: true }),
      ).rejects.toBeInstanceOf(PreconditionFailedError);
      expect((await store.get<{ v: string }>("keys", id))!.value.v).toBe("first");
    });

    it("writes with ifMatch when the etag is current", async () => {
      const id = freshId();
      const etag = await store.put("keys", id, { schema: 1, v: 1 });
      const next = await store.put("keys", id, { schema: 1, v: 2 }, { ifMatch: etag });
      expect(await store.get("keys", id)).toEqual({ value: { schema: 1, v: 2 }, etag: next });
    });

    it("refuses an ifMatch write when the record changed since it was read, and keeps the newer value", async () => {
      const id = freshId();
      const stale = await store.put("keys", id, { schema: 1, v: 1 });
      await store.put("keys", id, { schema: 1, v: 2 });
      await expect(store.put("keys", id, { schema: 1, v: 3 }, { ifMatch: stale })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      expect((await store.get<{ v: number }>("keys", id))!.value.v).toBe(2);
    });

    it("refuses an ifMatch write to a record that does not exist", async () => {
      const id = freshId();
      await expect(store.put("keys", id, { schema: 1 }, { ifMatch: "whatever" })).rejects.toBeInstanceOf(
        PreconditionFailedError,
      );
      expect(await store.get("keys", id)).toBeNull();
    });

    it("loses no increment when many updateRecord calls race on one record", async () => {
      const id = freshId();
      const writers = 12;
      await Promise.all(
        Array.from({ length: writers }, () =>
          updateRecord<Counter>(store, "usage", id, (c) => ({ schema: 1, n: (c?.n ?? 0) + 1 }), {
            attempts: 60,
          }),
        ),
      );
      expect((await store.get<Counter>("usage", id))!.value.n).toBe(writers);
    });

    it("leaves the record alone when the update function returns undefined", async () => {
      const id = freshId();
      const etag = await store.put("keys", id, { schema: 1, n: 5 });
      const result = await updateRecord<Counter>(store, "keys", id, () => undefined);
      expect(result).toEqual({ value: { schema: 1, n: 5 }, etag });
      expect(await updateRecord(store, "keys", freshId(), () => undefined)).toBeNull();
    });

    it("refuses ids and kinds that could escape the layout", async () => {
      for (const bad of PATH_TRICKS) {
        await expect(store.get("keys", bad), JSON.stringify(bad)).rejects.toBeInstanceOf(
          InvalidRecordIdError,
        );
        await expect(store.put("keys", bad, { schema: 1 })).rejects.toBeInstanceOf(InvalidRecordIdError);
        await expect(store.delete("keys", bad)).rejects.toBeInstanceOf(InvalidRecordIdError);
      }
      await expect(store.get("../keys" as RecordKind, "x")).rejects.toBeInstanceOf(InvalidRecordIdError);
      await expect(store.list("audit" as RecordKind)).rejects.toBeInstanceOf(InvalidRecordIdError);
    });

    it("reports a corrupt record with a clear error naming it, and lists the healthy ones", async () => {
      const bad = freshId();
      const good = freshId();
      await harness.writeRaw("usage", bad, '{"schema": 1, "n": ');
      await store.put("usage", good, { schema: 1, n: 1 });
      const error = await store.get("usage", bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptRecordError);
      expect((error as Error).message).toContain(`usage/${bad}`);
      const ids = (await store.list<{ n: number }>("usage")).map((r) => r.etag);
      expect(ids).toContain((await store.get("usage", good))!.etag);
    });

    it("answers ping when healthy", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
