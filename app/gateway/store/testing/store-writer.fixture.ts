/**
 * Child process for the stores' crash and multi-process tests (not a test itself).
 *   <target> loop         writes forever, printing each acknowledged write
 *   <target> increment N  N read-modify-write increments of usage/counter
 * <target> is a directory (file store) or s3://<bucket> (S3 store on AWS_ENDPOINT_URL).
 */
import { FileRecordStore } from "../file-store.js";
import { createS3Client } from "../s3-client.js";
import { S3RecordStore } from "../s3-store.js";
import { updateRecord } from "../record-store.js";

interface Counter {
  schema: 1;
  n: number;
}

const [target, mode, count] = process.argv.slice(2);
if (!target || !mode) throw new Error("usage: <dir | s3://bucket> loop | increment N");
const store = target.startsWith("s3://")
  ? new S3RecordStore({
      client: createS3Client({ endpoint: process.env.AWS_ENDPOINT_URL }),
      bucket: target.slice("s3://".length),
    })
  : new FileRecordStore({ dir: target, lock: { staleMs: 2_000 } });
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
