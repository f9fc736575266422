import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCoreStatus } from "./core-status.js";

const REGISTERED_AT = "2026-06-01T00:00:00.000Z";
let server: Server;
let healthy = "";
let broken = "";

beforeAll(async () => {
  // Stands in for a Core's health route: 200 on /, 500 on /broken/.
  server = createServer((req, res) => {
    res.statusCode = req.url === "/" ? 200 : 500;
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  healthy = `http://127.0.0.1:${port}`;
  broken = `http://127.0.0.1:${port}/broken`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const registry = (urls: Record<string, string>) => async (keyId: string) =>
  urls[keyId] ? { url: urls[keyId], registered_at: REGISTERED_AT } : null;

describe("Core status for the admin page", () => {
  it("reports a registered Core that answers its health route", async () => {
    const check = createCoreStatus({ describe: registry({ a: healthy }), allowInsecure: true });
    expect(await check.status("a")).toEqual({
      registered: true,
      answering: true,
      registered_at: REGISTERED_AT,
    });
    await check.close();
  });

  it("reports a key without a Core as not registered, without connecting anywhere", async () => {
    const check = createCoreStatus({ describe: registry({}), allowInsecure: true });
    expect(await check.status("a")).toEqual({ registered: false, answering: null, registered_at: null });
    await check.close();
  });

  it("reports a Core that fails or does not listen as not answering, with the reason", async () => {
    const check = createCoreStatus({
      describe: registry({ a: broken, b: "http://127.0.0.1:1" }),
      allowInsecure: true,
      timeoutMs: 2_000,
    });
    expect(await check.status("a")).toMatchObject({
      registered: true,
      answering: false,
      detail: "the Core answered 500",
    });
    expect(await check.status("b")).toMatchObject({
      registered: true,
      answering: false,
      detail: expect.stringMatching(/^no answer/),
    });
    await check.close();
  });

  it("never connects to a loopback address unless insecure tunnels are allowed", async () => {
    const check = createCoreStatus({ describe: registry({ a: healthy }), allowInsecure: false });
    expect(await check.status("a")).toMatchObject({
      answering: false,
      detail: expect.stringMatching(/loopback/),
    });
    await check.close();
  });
});
