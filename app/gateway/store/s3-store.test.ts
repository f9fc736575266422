import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestBucket,
  createTestKmsKey,
  motoEndpoint,
  testS3Client,
} from "./testing/aws-test-support.js";
import { PreconditionFailedError, StoreUnavailableError } from "./errors.js";
import { startLoopbackProxy, type LoopbackProxy } from "./testing/loopback-proxy.js";
import { recordStoreContract } from "./testing/record-store.contract.js";
import { S3RecordStore } from "./s3-store.js";
import { startStoreWriter, stopStoreWriters } from "./testing/store-writer.js";

const client = testS3Client();
const fastRetry = { attempts: 3, baseMs: 10, capMs: 50 };

recordStoreContract("s3", async () => {
  const bucket = await createTestBucket(client, "cq-store");
  const kmsKeyId = await createTestKmsKey("record store contract");
  const prefix = "gw/";
  return {
    store: new S3RecordStore({ client, bucket, prefix, kmsKeyId }),
    async writeRaw(kind, id, text) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${kind}/${id}.json`, Body: text }),
      );
    },
    async cleanup() {},
  };
});

describe("S3RecordStore", () => {
  let bucket: string;
  let kmsKeyId: string;

  beforeAll(async () => {
    bucket = await createTestBucket(client, "cq-store");
    kmsKeyId = await createTestKmsKey("record store encryption");
  });

  it("stores one object per record under <prefix><kind>/<id>.json, SSE-KMS with the configured key", async () => {
    const store = new S3RecordStore({ client, bucket, prefix: "state", kmsKeyId });
    await store.put("keys", "abc", { schema: 1 });
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "state/keys/abc.json" }));
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toContain(kmsKeyId);
  });

  it("lists past one page of results", async () => {
    const store = new S3RecordStore({ client, bucket, prefix: "many/", kmsKeyId, listPageSize: 4 });
    const ids = Array.from({ length: 11 }, (_, i) => `r${String(i).padStart(2, "0")}`);
    await Promise.all(ids.map((id) => store.put("usage", id, { id })));
    expect((await store.list<{ id: string }>("usage")).map((r) => r.value.id)).toEqual(ids);
  });
});

describe("S3RecordStore when S3 is unreachable or throttling", () => {
  let proxy: LoopbackProxy;
  let bucket: string;
  let store: S3RecordStore;

  beforeAll(async () => {
    bucket = await createTestBucket(client, "cq-outage");
    proxy = await startLoopbackProxy(motoEndpoint());
    store = new S3RecordStore({ client: testS3Client(proxy.url, fastRetry), bucket });
  });
  afterAll(async () => proxy?.close());

  it("answers StoreUnavailableError when the port is closed, and works again when S3 is back", async () => {
    await store.put("keys", "before", { schema: 1 });
    await proxy.stop();
    await expect(store.get("keys", "before")).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.put("keys", "during", { schema: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
    await proxy.restart();
    expect((await store.get("keys", "before"))?.value).toEqual({ schema: 1 });
    await store.put("keys", "after", { schema: 1 });
  });

  it("retries a bounded number of times on dropped connections", async () => {
    await proxy.setMode("reset");
    const before = proxy.connections;
    try {
      const error = await store.put("keys", "reset", { schema: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).status).toBe(503);
      expect(proxy.connections - before).toBe(fastRetry.attempts);
    } finally {
      proxy.mode = "forward";
    }
    expect(await store.get("keys", "reset")).toBeNull();
  });

  it("treats a conditional put whose answer was lost, then refused on retry, as written", async () => {
    const etag = await store.put("keys", "lost-answer", { schema: 1, v: 1 });
    await proxy.setMode("lose-answer-once");
    await store.put("keys", "lost-answer", { schema: 1, v: 2 }, { ifMatch: etag });
    expect((await store.get<{ v: number }>("keys", "lost-answer"))?.value.v).toBe(2);
  });

  it("still refuses a retried conditional put when another writer changed the record", async () => {
    const etag = await store.put("keys", "other-writer", { schema: 1, v: 1 });
    await store.put("keys", "other-writer", { schema: 1, v: 2 });
    // The first attempt is reset; the retry meets the other writer's record, identical content and all.
    await proxy.setMode("reset-once");
    await expect(
      store.put("keys", "other-writer", { schema: 1, v: 2 }, { ifMatch: etag }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
  });

  it("retries on 503 SlowDown and then answers StoreUnavailableError", async () => {
    await proxy.setMode("slowdown");
    const before = proxy.connections;
    try {
      await expect(store.list("keys")).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(proxy.connections - before).toBe(fastRetry.attempts);
    } finally {
      proxy.mode = "forward";
    }
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe("S3RecordStore shared by two processes", () => {
  it("loses no update when two processes increment the same record concurrently", async () => {
    // The test emulator makes conditional writes atomic, as S3 does (test/support/moto_server.py).
    const client = testS3Client();
    try {
      const bucket = await createTestBucket(client, "cq-two-procs");
      const perProcess = 15;
      const args = ["increment", String(perProcess)];
      const env = { AWS_ENDPOINT_URL: motoEndpoint() };
      const writers = [
        startStoreWriter(`s3://${bucket}`, args, env),
        startStoreWriter(`s3://${bucket}`, args, env),
      ];
      for (const { lines } of writers) expect((await lines.next()).value).toBe("done");
      const store = new S3RecordStore({ client: client, bucket });
      expect((await store.get<{ n: number }>("usage", "counter"))!.value.n).toBe(2 * perProcess);
    } finally {
      await stopStoreWriters();
      client.destroy();
    }
  }, 120_000);
});
