import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestEnv } from "../../../test/support/moto.js";
import { createTestBucket, testS3Client } from "../store/testing/aws-test-support.js";
import { S3RecordStore } from "../store/s3-store.js";
import type { KeyRecord } from "../store/types.js";
import { spawnGateway, type GatewayProcess } from "../testing/gateway-process.js";

const ADMIN = `admin-${randomBytes(24).toString("base64url")}`;

/** Two real Gateway processes on one S3 bucket (moto), hammered concurrently: no update is lost. */
describe("two Gateway processes on one bucket", () => {
  let a: GatewayProcess;
  let b: GatewayProcess;
  let store: S3RecordStore;

  beforeAll(async () => {
    const bucket = await createTestBucket(testS3Client(), "cq-gw-two");
    store = new S3RecordStore({ client: testS3Client(), bucket });
    const env = {
      ...awsTestEnv(),
      STORE: "s3",
      S3_BUCKET: bucket,
      ADMIN_API_KEY: ADMIN,
      KEY_PEPPER: randomBytes(32).toString("base64url"),
      KEY_CACHE_TTL_SECONDS: "0",
      LOG_LEVEL: "info",
    };
    [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  async function post(
    gw: GatewayProcess,
    path: string,
    key = ADMIN,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${gw.url}${path}`, { method: "POST", headers: { "X-API-KEY": key } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it("keeps every generated key", async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => post(i % 2 ? a : b, "/api-keys/generate")),
    );
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    const listed = (await store.list<KeyRecord>("keys")).map((r) => r.value.key_id);
    for (const r of results) expect(listed).toContain(r.body.key_id);
  });

  it("loses no rotation and no revocation when both processes change the same keys at once", async () => {
    const created = await Promise.all([
      post(a, "/api-keys/generate"),
      post(b, "/api-keys/generate"),
      post(a, "/api-keys/generate"),
    ]);
    const ids = created.map((c) => c.body.key_id as string);
    const rotations: Array<Promise<{ status: number; body: Record<string, unknown> }>> = [];
    const revocations: Array<Promise<{ status: number; body: Record<string, unknown> }>> = [];
    for (const id of ids) {
      for (let i = 0; i < 4; i++) rotations.push(post(i % 2 ? a : b, `/api-keys/${id}/rotate`));
      revocations.push(post(ids.indexOf(id) % 2 ? a : b, `/api-keys/${id}/revoke`));
    }
    const rotated = await Promise.all(rotations);
    const revoked = await Promise.all(revocations);
    expect(revoked.map((r) => r.status)).toEqual([200, 200, 200]);
    // A rotation that raced a revocation may be refused (409: revoked), never silently lost.
    for (const r of rotated) expect([200, 409]).toContain(r.status);

    for (const id of ids) {
      const record = (await store.get<KeyRecord>("keys", id))!.value;
      expect(record.status).toBe("revoked");
      const succeeded = rotated.filter((r) => r.status === 200 && r.body.key_id === id);
      expect(record.previous_secrets).toHaveLength(succeeded.length);
      // Every key a rotation handed out is known to the record: it answers "revoked", not "invalid".
      for (const r of succeeded) {
        const res = await fetch(`${a.url}/api-keys/self`, {
          headers: { "X-API-KEY": r.body.api_key as string },
        });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { detail: string }).detail).toBe("API Key has been revoked");
      }
    }
  });

  it("counts usage from both processes without losing increments", async () => {
    const { body } = await post(a, "/api-keys/generate");
    const key = body.api_key as string;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${(i % 2 ? a : b).url}/api-keys/self`, { headers: { "X-API-KEY": key } }),
      ),
    );
    // SIGTERM flushes pending usage before exit.
    await Promise.all([a.stop(), b.stop()]);
    const usage = (await store.get<{ total_requests: number }>("usage", body.key_id as string))!.value;
    expect(usage.total_requests).toBe(20);
  });
});
