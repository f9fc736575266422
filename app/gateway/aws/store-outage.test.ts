import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestEnv } from "../../../test/support/moto.js";
import {
  createTestBucket,
  motoEndpoint,
  testS3Client,
  uniqueName,
} from "../store/testing/aws-test-support.js";
import { startLoopbackProxy, type LoopbackProxy } from "../store/testing/loopback-proxy.js";
import { S3RecordStore } from "../store/s3-store.js";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

describe("Gateway on S3 when S3 goes away and comes back", () => {
  let proxy: LoopbackProxy;
  let gw: TestGateway;

  beforeAll(async () => {
    const bucket = await createTestBucket(testS3Client(), "cq-gw-outage");
    proxy = await startLoopbackProxy(motoEndpoint());
    // The record store reaches S3 through a proxy the test can switch off; the audit sink goes direct.
    const store = new S3RecordStore({
      client: testS3Client(proxy.url, { attempts: 2, baseMs: 10, capMs: 20 }),
      bucket,
      prefix: `${uniqueName("gw")}/`,
    });
    gw = await startTestGateway(
      { ...awsTestEnv(), STORE: "s3", S3_BUCKET: bucket, KEY_CACHE_TTL_SECONDS: "300" },
      { store },
    );
  });
  afterAll(async () => {
    await proxy?.restart().catch(() => undefined);
    await gw?.close();
    await proxy?.close();
  });

  it("answers 503 with a clear message while S3 is down, keeps serving cached keys, and recovers", async () => {
    const { api_key } = await gw.generateKey();
    expect((await gw.call("GET", "/api-keys/self", { key: api_key })).status).toBe(200);

    await proxy.stop();
    const generate = await gw.call("POST", "/api-keys/generate", { key: gw.adminKey });
    expect(generate.status).toBe(503);
    expect(generate.body.detail).toMatch(/unavailable/i);
    expect(generate.headers.get("retry-after")).toBeTruthy();
    expect((await gw.call("GET", "/api-keys", { key: gw.adminKey })).status).toBe(503);
    // Verification reads the cache, so a known key still authenticates (its route then needs storage).
    const rotate = await gw.call("POST", "/api-keys/self/rotate", { key: api_key });
    expect(rotate.status).toBe(503);

    proxy.mode = "slowdown";
    await proxy.restart();
    expect((await gw.call("POST", "/api-keys/generate", { key: gw.adminKey })).status).toBe(503);

    proxy.mode = "forward";
    const again = await gw.call("POST", "/api-keys/generate", { key: gw.adminKey });
    expect(again.status).toBe(200);
    expect((await gw.call("POST", "/api-keys/self/rotate", { key: api_key })).status).toBe(200);
  });
});
