import { request } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonBody } from "./http.js";
import { errorHandler } from "./problem-details.js";
import { silentLogger } from "./logger.js";

let server: ReturnType<Koa["listen"]>;
let port: number;

beforeAll(async () => {
  const app = new Koa();
  app.use(errorHandler(silentLogger()));
  app.use(async (ctx) => {
    ctx.body = { received: (await readJsonBody(ctx, 1024)) ?? null };
  });
  server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

function post(
  body: string[],
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    for (const part of body) req.write(part);
    req.end();
  });
}

describe("readJsonBody", () => {
  it("parses a JSON body", async () => {
    const res = await post(['{"a":1}'], { "content-type": "application/json" });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ received: { a: 1 } });
  });

  it("answers 400 for malformed JSON", async () => {
    const res = await post(["{not json"]);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: "Request body is not valid JSON" });
  });

  it("answers 413 to a declared oversize body without reading it", async () => {
    const res = await post(["x".repeat(2048)], { "content-length": "2048" });
    expect(res.status).toBe(413);
  });

  it("answers 413, not a reset, to a chunked body that passes the limit", async () => {
    const res = await post(
      Array.from({ length: 64 }, () => "x".repeat(512)),
      { "transfer-encoding": "chunked" },
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error).toMatch(/larger than 1024 bytes/);
  });
});
