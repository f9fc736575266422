import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../common/logger.js";
import { freePort } from "../../test/support/moto.js";
import { CoreCredentials } from "./credentials.js";
import { startTestGateway, type TestGateway } from "../gateway/testing/gateway-harness.js";
import { GatewayRegistration, RegistrationRefusedError } from "./registration.js";
import { startFakeGateway, type FakeGateway } from "./testing/fake-gateway.js";

const KEY = "registration-key-0123456789";
let gateway: FakeGateway | undefined;
let registration: GatewayRegistration | undefined;
afterEach(async () => {
  await registration?.close();
  await gateway?.close();
  registration = gateway = undefined;
});

/** Records log lines and the backoff delays asked for; sleeping itself is instant. */
function harness(gatewayUrl: string, onSleep?: (ms: number, delays: number[]) => Promise<void>) {
  const lines: string[] = [];
  const logger = createLogger({
    name: "core",
    level: "debug",
    destination: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }),
  });
  const delays: number[] = [];
  const credentials = new CoreCredentials(KEY);
  registration = new GatewayRegistration({
    gatewayUrl,
    apiKey: KEY,
    credentials,
    logger,
    backoff: { baseMs: 100, capMs: 1000 },
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
      await onSleep?.(ms, delays);
    },
  });
  return { lines, delays, credentials, registration };
}

describe("registration with the Gateway", () => {
  it("registers the URL with a fresh token and confirms it", async () => {
    gateway = await startFakeGateway(KEY);
    const { credentials, registration } = harness(gateway.url);
    registration.register("https://abc.ngrok-free.app");
    await registration.whenRegistered();
    const [first] = gateway.registrations;
    expect(first?.ngrokUrl).toBe("https://abc.ngrok-free.app");
    expect(first?.coreToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(credentials.isValidBearer(first!.coreToken)).toBe(true);
    expect(registration.state).toMatchObject({ state: "registered", attempts: 1 });
  });

  it("sends the key only in a header, never in a URL, and never logs key or token", async () => {
    gateway = await startFakeGateway(KEY);
    gateway.failNext(1);
    const { lines, registration } = harness(gateway.url);
    registration.register("https://abc.ngrok-free.app");
    await registration.whenRegistered();
    expect(gateway.requestUrls.join(" ")).not.toContain(KEY);
    const log = lines.join("");
    expect(log).toContain("registration with the Gateway failed");
    expect(log).not.toContain(KEY);
    expect(log).not.toContain(gateway.registrations[0]!.coreToken);
  });

  it("retries with capped exponential backoff while the Gateway answers 503, then recovers", async () => {
    gateway = await startFakeGateway(KEY);
    gateway.failNext(6);
    const { delays, registration } = harness(gateway.url);
    registration.register("https://abc.ngrok-free.app");
    await registration.whenRegistered();
    // POST fails 6 times (each a 503): waits 0.5 × min(1000, 100·2^n).
    expect(delays).toEqual([50, 100, 200, 400, 500, 500]);
    expect(gateway.registrations).toHaveLength(1);
  });

  it("retries while the Gateway refuses connections, and registers once it is up", async () => {
    const port = await freePort();
    let started: Promise<FakeGateway> | undefined;
    const { delays, registration } = harness(`http://127.0.0.1:${port}`, async (_ms, delays) => {
      if (delays.length === 3) started = startFakeGateway(KEY, port);
      await started;
    });
    registration.register("https://abc.ngrok-free.app");
    await registration.whenRegistered();
    gateway = await started;
    expect(delays.length).toBeGreaterThanOrEqual(3);
    expect(gateway?.registrations).toHaveLength(1);
  });

  it("does not confirm when the Gateway reports another URL, and retries", async () => {
    gateway = await startFakeGateway(KEY);
    gateway.lieAboutUrl("https://other.ngrok-free.app");
    const lying = gateway;
    const { credentials, delays, registration } = harness(gateway.url, async () =>
      lying.lieAboutUrl(undefined),
    );
    registration.register("https://abc.ngrok-free.app");
    await registration.whenRegistered();
    expect(delays).toHaveLength(1);
    const [first, second] = gateway.registrations;
    expect(credentials.isValidBearer(second!.coreToken)).toBe(true);
    expect(first!.coreToken).not.toBe(second!.coreToken);
  });

  it("registers again with a new token when the URL changes; the old token stops working", async () => {
    gateway = await startFakeGateway(KEY);
    const { credentials, registration } = harness(gateway.url);
    registration.register("https://one.ngrok-free.app");
    await registration.whenRegistered();
    registration.register("https://two.ngrok-free.app");
    await registration.whenRegistered();
    const [one, two] = gateway.registrations;
    expect(two?.ngrokUrl).toBe("https://two.ngrok-free.app");
    expect(credentials.isValidBearer(two!.coreToken)).toBe(true);
    expect(credentials.isValidBearer(one!.coreToken)).toBe(false);
  });
});

describe("a registration the Gateway refuses", () => {
  let real: TestGateway | undefined;
  afterEach(async () => {
    await real?.close();
    real = undefined;
  });

  async function refusedBy(gatewayEnv: Record<string, string>, key: string | undefined, url: string) {
    real = await startTestGateway(gatewayEnv);
    const apiKey = key ?? (await real.generateKey()).api_key;
    const { lines, delays } = harness(real.url);
    const refused = new GatewayRegistration({
      gatewayUrl: real.url,
      apiKey,
      credentials: new CoreCredentials(apiKey),
      logger: createLogger({
        name: "core",
        level: "debug",
        destination: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }),
      }),
      backoff: { baseMs: 100, capMs: 1000 },
      sleep: async (ms) => void delays.push(ms),
    });
    refused.register(url);
    const error = await refused.whenRegistered().then(
      () => undefined,
      (err: unknown) => err,
    );
    await refused.close();
    return { error, lines, delays, state: refused.state };
  }

  it("stops at once on an unknown key, with the Gateway's reason and the fix", async () => {
    const { error, lines, delays, state } = await refusedBy(
      {},
      `cq_abcdefghijkl_${"A".repeat(43)}`,
      "http://127.0.0.1:5001",
    );
    expect(error).toBeInstanceOf(RegistrationRefusedError);
    expect(delays).toEqual([]);
    expect(state).toMatchObject({ state: "refused", attempts: 1, status: 401, reason: "Invalid API Key" });
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logged.filter((l) => l.level >= 50)).toHaveLength(1);
    expect(logged.at(-1)!.msg).toMatch(/Invalid API Key.*make api-keys CMD=create/);
  });

  it("stops at once on a URL the Gateway does not accept, naming the setting that fixes it", async () => {
    const { error, delays } = await refusedBy(
      { ALLOW_INSECURE_TUNNELS: "false" },
      undefined,
      "http://127.0.0.1:5001",
    );
    expect(delays).toEqual([]);
    expect((error as RegistrationRefusedError).status).toBe(400);
    expect((error as Error).message).toMatch(/Tunnel URL.*https.*ALLOW_INSECURE_TUNNELS=true/);
  });

  it("keeps retrying a 429, which only says later", async () => {
    gateway = await startFakeGateway(KEY);
    gateway.failNext(2, 429);
    const { delays, registration } = harness(gateway.url);
    registration.register("https://abc.ngrok-free.app");
    await registration.whenRegistered();
    expect(delays).toHaveLength(2);
  });
});

describe("CoreCredentials", () => {
  it("accepts no bearer token before any registration", () => {
    expect(new CoreCredentials(KEY).isValidBearer("anything")).toBe(false);
  });

  it("keeps the confirmed token valid while a new one is pending, so there is no gap", () => {
    const credentials = new CoreCredentials(KEY);
    const first = credentials.offerNewToken();
    credentials.confirm(first);
    const second = credentials.offerNewToken();
    expect(credentials.isValidBearer(first)).toBe(true);
    expect(credentials.isValidBearer(second)).toBe(true);
    credentials.confirm(second);
    expect(credentials.isValidBearer(first)).toBe(false);
  });
});
