/**
 * Child process for the file store's crash and multi-process tests (not a test itself).
 *   tsx file-store.writer.fixture.ts <dir> loop         writes forever, printing each acknowledged write
 *   tsx file-store.writer.fixture.ts <dir> increment N  N read-modify-write increments of usage/counter
 */
import { FileRecordStore } from "./file-store.js";
import { updateRecord } from "./record-store.js";

interface Counter {
  schema: 1;
  n: number;
}

const [dir, mode, count] = process.argv.slice(2);
if (!dir || !mode) throw new Error("usage: <dir> loop | <dir> increment N");
const store = new FileRecordStore({ dir, lock: { staleMs: 2_000 } });
const increment = () =>
  updateRecord<Counter>(store, "usage", "counter", (c) => ({ schema: 1, n: (c?.n ?? 0) + 1 }), {
    attempts: 200,
  });

if (mode === "loop") {
  const payload = "x".repeat(4096);
  for (let i = 0; ; i++) {
    const id = `w${process.pid}-${i}`;
    await store.put("keys", id, { schema: 1, id, payload });
    process.stdout.write(`ack keys ${id}\n`);
    const written = await increment();
    process.stdout.write(`ack counter ${written!.value.n}\n`);
  }
} else {
  for (let i = 0; i < Number(count); i++) await increment();
  process.stdout.write("done\n");
}
