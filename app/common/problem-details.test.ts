import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import Router from "@koa/router";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCore, type RunningCore } from "../core/testing/start-core.js";
import { createTempProject, type TempProject } from "../core/testing/temp-project.js";
import { startTestGateway, type TestGateway } from "../gateway/testing/gateway-harness.js";
import { TooManyRequestsError, UnauthorizedError } from "./errors.js";
import { silentLogger } from "./logger.js";
import { errorHandler, problemDetails } from "./problem-details.js";

describe("problemDetails", () => {
  it("builds an RFC 9457 body whose detail is repeated as error", () => {
    expect(problemDetails(404, "No route for GET /x")).toEqual({
      type: "about:blank",
      title: "Not Found",
      status: 404,
      detail: "No route for GET /x",
      error: "No route for GET /x",
    });
  });

  it("keeps extra members but never lets them replace the standard ones", () => {
    const body = problemDetails(429, "Slow down", { limit: 60, status: 200, detail: "fine", error: "x" });
    expect(body).toMatchObject({ status: 429, detail: "Slow down", error: "Slow down", limit: 60 });
  });
});

describe("errorHandler", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const app = new Koa();
    app.silent = true;
    app.use(errorHandler(silentLogger()));
    const router = new Router();
    router.get("/unauthorized", () => {
      throw new UnauthorizedError();
    });
    router.get("/limited", () => {
      throw new TooManyRequestsError("Rate limit exceeded", { limit: 1 }, { "Retry-After": "7" });
    });
    router.get("/thrown", (ctx) => ctx.throw(418, "I am a teapot, not a server"));
    router.get("/bug", () => {
      throw new Error("secret internals at /home/me");
    });
    app.use(router.routes()).use(router.allowedMethods());
    server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("answers an AppError as application/problem+json with its status", async () => {
    const res = await fetch(`${base}/unauthorized`);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toEqual({
      type: "about:blank",
      title: "Unauthorized",
      status: 401,
      detail: "Invalid API Key",
      error: "Invalid API Key",
    });
  });

  it("sends an error's headers and extra members", async () => {
    const res = await fetch(`${base}/limited`);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await res.json()).toMatchObject({ title: "Too Many Requests", limit: 1 });
  });

  it("passes on the message of Koa's exposed client errors", async () => {
    const res = await fetch(`${base}/thrown`);
    expect(res.status).toBe(418);
    expect(await res.json()).toMatchObject({ detail: "I am a teapot, not a server" });
  });

  it("hides an unexpected error behind a 500 with the request's id", async () => {
    const res = await fetch(`${base}/bug`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret internals");
    expect(JSON.parse(text)).toMatchObject({ status: 500, detail: "Internal server error" });
  });

  it("gives a body-less 405 a problem body naming the allowed methods", async () => {
    const res = await fetch(`${base}/unauthorized`, { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ title: "Method Not Allowed", detail: /allowed: .*GET/ });
  });
});

describe("the Core and the Gateway answer errors in one shape", () => {
  let project: TempProject;
  let core: RunningCore;
  let gateway: TestGateway;
  beforeAll(async () => {
    project = createTempProject({ "a.txt": "a" });
    core = await startTestCore(project.root);
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await core?.close();
    await gateway?.close();
    project?.cleanup();
  });

  const shape = (status: number) => ({
    type: "about:blank",
    title: expect.any(String),
    status,
    detail: expect.any(String),
    error: expect.any(String),
  });

  it.each([
    ["GET", "/files/structure", 401],
    ["GET", "/no-such-route", 404],
  ])("%s %s answers %i as problem+json with detail and error", async (method, path, status) => {
    const fromCore = await fetch(`${core.url}${path}`, { method });
    const fromGateway = await gateway.call(method, path);
    for (const [res, body] of [
      [fromCore, await fromCore.json()],
      [fromGateway, fromGateway.body],
    ] as const) {
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(body).toMatchObject(shape(status));
      expect((body as { error: string }).error).toBe((body as { detail: string }).detail);
    }
  });
});

describe("errorHandler's callerGone option", () => {
  it("answers a failure the predicate blames on the caller 499, logged at debug, and any other as before", async () => {
    const lines: Record<string, unknown>[] = [];
    const { pino } = await import("pino");
    const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const gone = new Error("caller closed the connection");
    const app = new Koa();
    app.silent = true;
    const seen: number[] = [];
    app.use(async (ctx, next) => {
      await next();
      seen.push(ctx.status);
    });
    app.use(errorHandler(logger, { callerGone: (err) => err === gone }));
    app.use((ctx) => {
      if (ctx.path === "/gone") throw gone;
      throw new Error("a real bug");
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await fetch(`${base}/gone`);
      const bug = await fetch(`${base}/bug`);
      expect(bug.status).toBe(500);
      expect(seen).toEqual([499, 500]);
      expect(lines.filter((l) => l.msg === "caller left")).toMatchObject([
        { level: 20, err_message: gone.message },
      ]);
      expect(lines.filter((l) => l.msg === "unhandled error")).toHaveLength(1);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
