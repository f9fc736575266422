import { afterEach, describe, expect, it } from "vitest";
import { startFakeGateway, type FakeGateway } from "../testing/fake-gateway.js";
import { startTestCore, TEST_API_KEY, type RunningCore } from "../testing/start-core.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { createNoTunnel } from "../tunnel/none.js";
import type { TunnelProvider } from "../tunnel/provider.js";

let project: TempProject | undefined;
let running: RunningCore | undefined;
let gateway: FakeGateway | undefined;
afterEach(async () => {
  await running?.close();
  await gateway?.close();
  project?.cleanup();
  running = gateway = project = undefined;
});

const PROTECTED = [
  ["GET", "/files/structure"],
  ["POST", "/files/content"],
  ["GET", "/files/search?q=a"],
  ["GET", "/openapi.json"],
  ["POST", "/mcp"],
] as const;

async function start(env: Record<string, string> = {}, tunnel?: TunnelProvider) {
  project = createTempProject({ "a.txt": "a" });
  running = await startTestCore(project.root, env, tunnel ? { tunnel } : {});
  return running;
}

const structureWith = (core: RunningCore, headers: Record<string, string>) =>
  fetch(`${core.url}/files/structure`, { headers }).then((r) => r.status);

describe("authentication", () => {
  it.each(PROTECTED)("refuses %s %s without credentials (401)", async (method, path) => {
    const core = await start();
    const res = await fetch(`${core.url}${path}`, { method, body: method === "POST" ? "{}" : undefined });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "Missing credentials: send the X-API-KEY header" });
  });

  it("refuses a wrong API key (401)", async () => {
    const core = await start();
    const res = await fetch(`${core.url}/files/structure`, {
      headers: { "X-API-KEY": "wrong-key-0123456789" },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "Invalid API Key" });
  });

  it("accepts the right API key", async () => {
    const core = await start();
    expect(await structureWith(core, { "X-API-KEY": TEST_API_KEY })).toBe(200);
  });

  it("refuses a bearer token when no registration happened", async () => {
    const core = await start();
    expect(await structureWith(core, { Authorization: `Bearer ${TEST_API_KEY}` })).toBe(401);
  });

  it("accepts the registration token only after registering, and not the previous one after a new registration", async () => {
    gateway = await startFakeGateway(TEST_API_KEY);
    let changeUrl: (url: string) => void = () => undefined;
    const tunnel: TunnelProvider = {
      ...createNoTunnel("https://first.ngrok-free.app"),
      onUrlChange: (listener) => (changeUrl = listener),
    };
    const core = await start({ GATEWAY_URL: gateway.url }, tunnel);
    await core.core.registration!.whenRegistered();
    const first = gateway.registrations[0]!.coreToken;
    expect(await structureWith(core, { Authorization: `Bearer ${first}` })).toBe(200);

    changeUrl("https://second.ngrok-free.app");
    await core.core.registration!.whenRegistered();
    const second = gateway.registrations[1]!.coreToken;
    expect(gateway.registrations[1]!.ngrokUrl).toBe("https://second.ngrok-free.app");
    expect(await structureWith(core, { Authorization: `Bearer ${second}` })).toBe(200);
    expect(await structureWith(core, { Authorization: `Bearer ${first}` })).toBe(401);
  });

  it("keeps serving locally while the Gateway is down", async () => {
    gateway = await startFakeGateway(TEST_API_KEY);
    gateway.failNext(1000);
    const core = await start({
      GATEWAY_URL: gateway.url,
      REGISTRATION_BACKOFF_BASE_MS: "5",
      REGISTRATION_BACKOFF_CAP_MS: "20",
    });
    expect(await structureWith(core, { "X-API-KEY": TEST_API_KEY })).toBe(200);
    expect(core.core.registration!.state.state).toBe("registering");
  });
});
