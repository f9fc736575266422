import { DynamoDB } from "@aws-sdk/client-dynamodb";
import { RateLimiterDynamo, RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoEndpoint, uniqueName } from "../store/testing/aws-test-support.js";
import { createRateLimitDynamoClient, ensureRateLimitTable } from "./dynamodb-table.js";
import {
  createKeyRateLimiter,
  createRateLimiter,
  limiterFactoryFor,
  memoryLimiterFactory,
} from "./limiters.js";

/** Two clients, as two Gateway instances would have. */
const gatewayA = createRateLimitDynamoClient({ endpoint: motoEndpoint() });
const gatewayB = createRateLimitDynamoClient({ endpoint: motoEndpoint() });
let table: string;

beforeAll(async () => {
  table = uniqueName("cq-rate-limits");
  await ensureRateLimitTable(gatewayA, table);
});

const allowedCount = (results: PromiseSettledResult<unknown>[]) =>
  results.filter((r) => r.status === "fulfilled").length;

describe("ensureRateLimitTable", () => {
  it("creates an on-demand table keyed by `key` with TTL on `expire`, and is safe to run twice", async () => {
    await ensureRateLimitTable(gatewayB, table);
    const described = await gatewayA.describeTable({ TableName: table });
    expect(described.Table?.KeySchema).toEqual([{ AttributeName: "key", KeyType: "HASH" }]);
    expect(described.Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    const ttl = await gatewayA.describeTimeToLive({ TableName: table });
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: "expire", TimeToLiveStatus: "ENABLED" });
  });
});

/*
 * The test emulator handles one write at a time (test/support/moto_server.py), so updates of one
 * item are atomic, as on DynamoDB; moto_server alone let two window-opening creates both win.
 */
describe("createRateLimiter", () => {
  it("builds a memory limiter that refuses past its points", async () => {
    const limiter = createRateLimiter({ store: "memory", points: 3, duration: 60, keyPrefix: "t" });
    expect(limiter).toBeInstanceOf(RateLimiterMemory);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => limiter.consume("k")));
    expect(allowedCount(results)).toBe(3);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(RateLimiterRes);
  });

  it("shares one limit between two instances on the same DynamoDB table", async () => {
    const options = { store: "dynamodb" as const, points: 10, duration: 60, keyPrefix: "shared", table };
    const first = createRateLimiter({ ...options, dynamoClient: gatewayA });
    const second = createRateLimiter({ ...options, dynamoClient: gatewayB });
    expect(first).toBeInstanceOf(RateLimiterDynamo);
    const allowedBy = { first: 0, second: 0 };
    for (let i = 0; i < 16; i++) {
      const [name, limiter] = i % 2 === 0 ? (["first", first] as const) : (["second", second] as const);
      if (
        await limiter.consume("key-1").then(
          () => true,
          () => false,
        )
      )
        allowedBy[name]++;
    }
    expect(allowedBy.first + allowedBy.second).toBe(10);
    expect(allowedBy).toEqual({ first: 5, second: 5 });
    // Another key has its own budget.
    await expect(first.consume("key-2")).resolves.toBeInstanceOf(RateLimiterRes);
  });

  it("refuses dynamodb without a table or client", () => {
    expect(() => createRateLimiter({ store: "dynamodb", points: 1, duration: 60, keyPrefix: "x" })).toThrow(
      /RATE_LIMIT_TABLE/,
    );
  });

  it("falls back to a per-instance memory limit when DynamoDB is unreachable", async () => {
    const unreachable = createRateLimitDynamoClient({ endpoint: "http://127.0.0.1:9" });
    const limiter = createRateLimiter({
      store: "dynamodb",
      points: 2,
      duration: 60,
      keyPrefix: "down",
      table,
      dynamoClient: unreachable,
    });
    const results = await Promise.allSettled([
      limiter.consume("k"),
      limiter.consume("k"),
      limiter.consume("k"),
    ]);
    expect(allowedCount(results)).toBe(2);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(RateLimiterRes);
  });
});

describe("two instances racing on one DynamoDB table", () => {
  let clients: DynamoDB[];
  let raceTable: string;

  // Generous timeouts: a timed-out call would fall back to the per-instance insurance limiter.
  beforeAll(async () => {
    clients = [0, 1].map(
      () =>
        new DynamoDB({
          endpoint: motoEndpoint(),
          region: "us-east-1",
          requestHandler: { requestTimeout: 30_000 },
        }),
    );
    raceTable = uniqueName("cq-rate-race");
    await ensureRateLimitTable(clients[0]!, raceTable);
  });
  afterAll(async () => {
    clients?.forEach((c) => c.destroy());
  });

  it("never admits more than the points in total, whichever instance answers", async () => {
    const options = {
      store: "dynamodb" as const,
      points: 10,
      duration: 60,
      keyPrefix: "race",
      table: raceTable,
    };
    const limiters = clients.map((dynamoClient) => createRateLimiter({ ...options, dynamoClient }));
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => limiters[i % 2]!.consume("key-9")),
    );
    expect(allowedCount(results)).toBe(10);
  }, 60_000);
});

describe("createKeyRateLimiter (a limit per API key)", () => {
  it("applies each key's own limit and reports what remains", async () => {
    const limiter = createKeyRateLimiter(memoryLimiterFactory, { durationSeconds: 60, keyPrefix: "rpm" });
    const slow = [];
    for (let i = 0; i < 3; i++) slow.push(await limiter.consume("slow-key", 2));
    expect(slow.map((d) => d.allowed)).toEqual([true, true, false]);
    expect(slow.map((d) => d.remaining)).toEqual([1, 0, 0]);
    expect(slow[2]).toMatchObject({ limit: 2 });
    expect(slow[2]!.msBeforeReset).toBeGreaterThan(0);
    expect(slow[2]!.msBeforeReset).toBeLessThanOrEqual(60_000);
    const fast = [];
    for (let i = 0; i < 3; i++) fast.push(await limiter.consume("fast-key", 100));
    expect(fast.every((d) => d.allowed)).toBe(true);
  });

  it("keeps counting when a key's limit changes mid-window", async () => {
    const limiter = createKeyRateLimiter(memoryLimiterFactory, { durationSeconds: 60, keyPrefix: "change" });
    for (let i = 0; i < 3; i++) await limiter.consume("k", 10);
    expect((await limiter.consume("k", 3)).allowed).toBe(false);
    expect((await limiter.consume("k", 10)).remaining).toBe(5);
  });

  it("shares per-key limits between two instances on DynamoDB", async () => {
    const options = { durationSeconds: 60, keyPrefix: "rpm-shared" };
    const first = createKeyRateLimiter(
      limiterFactoryFor({ store: "dynamodb", table, dynamoClient: gatewayA }),
      options,
    );
    const second = createKeyRateLimiter(
      limiterFactoryFor({ store: "dynamodb", table, dynamoClient: gatewayB }),
      options,
    );
    const decisions = [];
    for (let i = 0; i < 12; i++) decisions.push(await (i % 2 === 0 ? first : second).consume("key-7", 5));
    expect(decisions.map((d) => d.allowed)).toEqual([...Array(5).fill(true), ...Array(7).fill(false)]);
    expect(decisions.map((d) => d.remaining).slice(0, 6)).toEqual([4, 3, 2, 1, 0, 0]);
  });
});
