import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestEnv } from "../../../test/support/moto.js";
import { createRecordStore } from "../store/record-store.js";
import { uniqueName } from "../store/testing/aws-test-support.js";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

describe("RATE_LIMIT_STORE=dynamodb", () => {
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    const env = {
      ...awsTestEnv(),
      RATE_LIMIT_STORE: "dynamodb",
      RATE_LIMIT_TABLE: uniqueName("cq-rate"),
      AUTH_FAILURES_PER_MINUTE_PER_IP: "1000",
    };
    a = await startTestGateway(env);
    // The second instance shares the first one's admin key, pepper and file store.
    b = await startTestGateway(
      { ...env, ADMIN_API_KEY: a.adminKey, KEY_PEPPER: a.config.keyPepper!, DATA_DIR: a.dataDir },
      { store: createRecordStore({ kind: "file", dataDir: a.dataDir }) },
    );
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("holds one key's limit across two Gateway instances", async () => {
    const { api_key } = await a.generateKey({ requests_per_minute: 4 });
    const statuses: number[] = [];
    for (const gw of [a, b, a, b])
      statuses.push((await gw.call("GET", "/api-keys/self", { key: api_key })).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    const limitedA = await a.call("GET", "/api-keys/self", { key: api_key });
    const limitedB = await b.call("GET", "/api-keys/self", { key: api_key });
    expect(limitedA.status).toBe(429);
    expect(limitedB.status).toBe(429);
    expect(limitedB.headers.get("ratelimit-remaining")).toBe("0");
  });
});
