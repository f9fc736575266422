import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestEnv } from "../../../test/support/moto.js";
import { startFakeCore, type FakeCore } from "../proxy/testing/harness.js";
import { createRateLimitDynamoClient, ensureRateLimitTable } from "../rate-limit/dynamodb-table.js";
import { limiterFactoryFor } from "../rate-limit/limiters.js";
import { motoEndpoint, uniqueName } from "../store/testing/aws-test-support.js";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

const TOKEN = "core-token-0123456789abcdefghijkl";

/**
 * Production mode (RATE_LIMIT_STORE=dynamodb) on moto: the DynamoDB client the Gateway's
 * limiters use records every command it sends, so the counts below are real round trips.
 */
describe("hot path with the shared rate-limit store", () => {
  let gw: TestGateway;
  let core: FakeCore;
  const commands: string[] = [];

  beforeAll(async () => {
    const dynamo = createRateLimitDynamoClient({ endpoint: motoEndpoint() });
    dynamo.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: "initialize", name: "countCommands" },
    );
    const table = uniqueName("cq-rate-hot");
    await ensureRateLimitTable(dynamo, table);
    gw = await startTestGateway(
      {
        ...awsTestEnv(),
        RATE_LIMIT_STORE: "dynamodb",
        RATE_LIMIT_TABLE: table,
        KEY_CACHE_TTL_SECONDS: "300",
        USAGE_FLUSH_SECONDS: "3600",
      },
      { limiterFactory: limiterFactoryFor({ store: "dynamodb", table, dynamoClient: dynamo }) },
    );
    core = await startFakeCore((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end("{}"),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await core?.close();
  });

  it("makes one DynamoDB round trip per proxied request and touches no record storage", async () => {
    const { api_key } = await gw.generateKey({ requests_per_minute: 1000 });
    const reg = await gw.call("POST", "/ngrok-urls/", {
      key: api_key,
      body: { ngrok_url: core.url, core_token: TOKEN },
    });
    expect(reg.status).toBe(200);
    await gw.gateway.flushUsage();

    commands.length = 0;
    gw.storeCalls.length = 0;
    for (let i = 0; i < 20; i++) {
      expect((await gw.call("GET", "/files/structure", { key: api_key })).status).toBe(200);
    }
    expect(commands).toEqual(Array(20).fill("UpdateItemCommand"));
    expect(gw.storeCalls).toEqual([]);
  });

  it("counts a failed authentication in the shared store, and nothing else", async () => {
    commands.length = 0;
    for (let i = 0; i < 3; i++) {
      const res = await gw.call("GET", "/files/structure", {
        key: `cq_zzzzzzzzzzzz_${String(i).padStart(43, "f")}`,
      });
      expect(res.status).toBe(401);
    }
    expect(commands).toHaveLength(3);
  });
});
