#!/usr/bin/env -S npx tsx
/**
 * `make smoke [URL=<gateway>]`: proves a running Gateway works end to end, as a user meets it. It
 * creates its own key with the admin key (found like `make api-keys` finds it: ADMIN_API_KEY, the
 * running `make dev` Gateway's own key, .env, or the Secrets Manager secret), checks health, auth failures, the
 * key's self-info, rate-limit headers and the 429, rotation with grace, revocation, and purges
 * the key at the end — also when a step fails. With `--core <project dir>` it also starts a Core
 * beside that directory (tunnel from TUNNEL / NGROK_AUTHTOKEN, default `none`, which only a
 * Gateway on this machine with ALLOW_INSECURE_TUNNELS=true accepts), waits for its registration
 * and reads the structure and a file through the Gateway.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { RunbookError, runCli } from "../runbooks/lib/cli.js";
import { GATEWAY_OPTIONS, GATEWAY_SETTINGS, resolveGatewayAdmin } from "../runbooks/lib/gateway-admin.js";
import { devDirOf, runningDevGatewayUrl } from "../runbooks/lib/local-dev.js";
import { resolveSettings } from "../runbooks/lib/settings.js";
import { requestJson, type JsonAnswer } from "../runbooks/lib/json-http.js";
import type { Output } from "../runbooks/lib/output.js";
import { runIfEntryPoint, type ScriptMain } from "../runbooks/lib/script-io.js";

export interface SmokeOptions {
  url: string;
  adminKey: string;
  /** project directory for a Core started here; no proxied reads without it */
  coreProject?: string;
  /** environment for the Core child (TUNNEL, NGROK_AUTHTOKEN, ...) */
  coreEnv?: Record<string, string | undefined>;
  out: Pick<Output, "ok" | "info" | "warn">;
}

type Answer = JsonAnswer;

const FORGED_KEY = `cq_zzzzzzzzzzzz_${"A".repeat(43)}`; // secret-scan:allow (well-formed, never issued)

export async function runSmoke(o: SmokeOptions): Promise<{ checks: number }> {
  const base = o.url.replace(/\/+$/, "");
  let checks = 0;
  const call = (method: string, path: string, key?: string, body?: unknown): Promise<Answer> =>
    requestJson(`${base}${path}`, { method, ...(key ? { key } : {}), body });
  const expectStatus = (what: string, answer: Answer, status: number) => {
    if (answer.status !== status) {
      const detail = typeof answer.body.detail === "string" ? `: ${answer.body.detail}` : "";
      throw new RunbookError(`${what}: expected ${status}, got ${answer.status}${detail}`);
    }
    checks++;
    o.out.ok(`${what} (${status})`);
  };
  const check = (what: string, ok: boolean, why: string) => {
    if (!ok) throw new RunbookError(`${what}: ${why}`);
    checks++;
    o.out.ok(what);
  };

  expectStatus("health", await call("GET", "/"), 200);
  expectStatus("no key is refused", await call("GET", "/api-keys/self"), 401);
  expectStatus("a forged key is refused", await call("GET", "/api-keys/self", FORGED_KEY), 401);
  expectStatus(
    "a wrong admin key cannot create keys",
    await call("POST", "/api-keys/generate", FORGED_KEY, {}),
    401,
  );

  const label = `smoke-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  const made: string[] = [];
  const purged = new Set<string>();
  const createKey = async (what: string, rpm: number) => {
    const created = await call("POST", "/api-keys/generate", o.adminKey, {
      label,
      requests_per_minute: rpm,
      expiration_days: 1,
    });
    expectStatus(what, created, 200);
    made.push(String(created.body.key_id));
    return { keyId: String(created.body.key_id), key: String(created.body.api_key) };
  };
  const purge = async (keyId: string) => {
    expectStatus(`key ${keyId} is purged`, await call("DELETE", `/api-keys/${keyId}`, o.adminKey), 200);
    purged.add(keyId);
  };
  let core: ChildProcess | undefined;
  try {
    const { keyId, key } = await createKey("the admin creates a key", 60);
    const self = await call("GET", "/api-keys/self", key);
    expectStatus("the key reads its own record", self, 200);
    check(
      "self-info names the key and no secret",
      self.body.key_id === keyId && !JSON.stringify(self.body).includes(key),
      "wrong key_id or a secret in the answer",
    );
    check(
      "rate-limit headers are sent",
      self.headers.get("ratelimit-limit") === "60",
      `RateLimit-Limit is ${self.headers.get("ratelimit-limit")}`,
    );

    if (o.coreProject) {
      core = await startCore(o.coreProject, base, key, o.coreEnv ?? {});
      // Polled with the admin key, which has no rate limit.
      const registered = await waitFor(
        async () => (await call("GET", `/ngrok-urls/${keyId}`, o.adminKey)).status === 200,
        60_000,
      );
      check("the Core registered its URL", registered, "no registration within 60 s");
      const tree = await call("GET", "/files/structure", key);
      expectStatus("structure through the Gateway", tree, 200);
      const first = firstFile(tree.body);
      check("the structure lists files", first !== undefined, "no file in the project");
      const content = await call("POST", "/files/content", key, { file_paths: [first] });
      expectStatus(`file ${first} through the Gateway`, content, 200);
    }

    const small = await createKey("a key limited to 2 requests per minute", 2);
    let limited: Answer | undefined;
    for (let i = 0; i < 4 && !limited; i++) {
      const a = await call("GET", "/api-keys/self", small.key);
      if (a.status === 429) limited = a;
    }
    check("the rate limit answers 429", limited !== undefined, "no 429 after 4 requests at 2 per minute");
    check(
      "the 429 carries Retry-After and RateLimit headers",
      Number(limited!.headers.get("retry-after")) > 0 && limited!.headers.get("ratelimit-remaining") === "0",
      "headers missing",
    );
    await purge(small.keyId);

    const rotated = await call("POST", "/api-keys/self/rotate", key);
    expectStatus("the key rotates itself", rotated, 200);
    const newKey = String(rotated.body.api_key);
    check(
      "rotation issues a new secret for the same key id",
      newKey !== key && newKey.startsWith(`cq_${keyId}_`),
      "same key or another key id",
    );
    expectStatus("the new key works", await call("GET", "/api-keys/self", newKey), 200);
    expectStatus("the old key works during its grace period", await call("GET", "/api-keys/self", key), 200);
    if (o.coreProject)
      expectStatus(
        "the Core still answers after rotation",
        await call("GET", "/files/structure", newKey),
        200,
      );

    expectStatus("the key revokes itself", await call("POST", "/api-keys/self/revoke", newKey), 200);
    expectStatus("a revoked key is refused", await call("GET", "/api-keys/self", newKey), 401);
    expectStatus("its rotated-out key is refused too", await call("GET", "/api-keys/self", key), 401);

    await purge(keyId);
    expectStatus("a purged key is gone", await call("GET", `/api-keys/${keyId}`, o.adminKey), 404);
    expectStatus("its tunnel record is gone", await call("GET", `/ngrok-urls/${keyId}`, o.adminKey), 404);
  } finally {
    if (core) await stopProcess(core);
    for (const keyId of made.filter((id) => !purged.has(id))) {
      const cleanup = await call("DELETE", `/api-keys/${keyId}`, o.adminKey).catch(() => undefined);
      if (cleanup?.status === 200) o.out.info(`cleaned up: key ${keyId} purged`);
      else
        o.out.warn(
          `could not purge smoke key ${keyId}: purge it with the admin UI or DELETE /api-keys/${keyId}`,
        );
    }
  }
  return { checks };
}

function firstFile(structure: Record<string, unknown>): string | undefined {
  for (const [dir, entry] of Object.entries(structure)) {
    const files = (entry as { files?: unknown }).files;
    if (Array.isArray(files) && typeof files[0] === "string")
      return dir === "." ? files[0] : `${dir}/${files[0]}`;
  }
  return undefined;
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function startCore(
  project: string,
  gatewayUrl: string,
  key: string,
  env: Record<string, string | undefined>,
): Promise<ChildProcess> {
  const port = await freeLoopbackPort();
  // node with tsx's loader, not the tsx CLI: the CLI runs the Core as a grandchild that a
  // SIGTERM to the CLI would leave running.
  const child = spawn(process.execPath, ["--import", "tsx", "app/core/main.ts"], {
    env: {
      ...env,
      PROJECT_PATH: project,
      API_KEY: key,
      GATEWAY_URL: gatewayUrl,
      CORE_HOST: "127.0.0.1",
      CORE_PORT: String(port),
      TUNNEL: env.TUNNEL ?? "none",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

export const main: ScriptMain = (argv, io) =>
  runCli(
    {
      name: "smoke",
      summary: "end-to-end check of a running Gateway with a key of its own (purged at the end)",
      options: {
        ...GATEWAY_OPTIONS,
        core: {
          type: "string",
          arg: "<project dir>",
          description: "also start a Core on this directory and read through the Gateway",
        },
      },
      examples: [
        "make smoke URL=https://gateway.example.com",
        "ADMIN_API_KEY=... npx tsx scripts/smoke.ts --url http://127.0.0.1:8080 --core .",
      ],
    },
    async (ctx) => {
      const { options, environment, dryRun, out } = ctx;
      // URL= from make, else --url, GATEWAY_URL (environment or .env in dev), stack output gatewayUrl
      const withUrl = { ...ctx, options: { ...options, url: options.url ?? environment.URL } };
      const settings = await resolveSettings(GATEWAY_SETTINGS, withUrl);
      if (settings.gatewayUrl && !/^https?:\/\/[^\s/]+/.test(settings.gatewayUrl))
        throw new RunbookError(`"${settings.gatewayUrl}" is not a Gateway URL: make smoke URL=https://…`);
      if (!settings.gatewayUrl && !(ctx.env === "dev" && runningDevGatewayUrl(devDirOf(ctx.io.cwd))))
        throw new RunbookError(
          "give the Gateway's URL: make smoke URL=https://… (or GATEWAY_URL; a running make dev Gateway is found by itself)",
        );
      const { url, adminKey } = await resolveGatewayAdmin(settings, ctx);
      out.plan(
        `smoke test ${url}: create a key, check auth, rate limit, rotate, revoke, purge${options.core ? `, with a Core on ${String(options.core)}` : ""}`,
      );
      if (dryRun) return;
      const { checks } = await runSmoke({
        url,
        adminKey,
        coreProject: options.core as string | undefined,
        coreEnv: environment,
        out,
      });
      out.ok(`smoke test passed: ${checks} checks against ${url}`);
    },
    argv,
    io,
  );

await runIfEntryPoint(import.meta.url, main);
