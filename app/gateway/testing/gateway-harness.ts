import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogger } from "../../common/logger.js";
import { loadGatewayConfig, type GatewayConfig } from "../config.js";
import { createGateway, type Gateway, type GatewayDeps } from "../server.js";
import { createRecordStore } from "../store/record-store.js";
import type { RecordStore } from "../store/types.js";
import { observeStore, type StoreOp } from "../store/store-observer.js";

/** A clock tests move by hand: expiry and grace periods without sleeping. */
export class FakeClock {
  constructor(public ms = Date.parse("2026-01-15T12:00:00Z")) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface StoreCall {
  op: StoreOp;
  kind: string | null;
}

export interface TestGateway {
  url: string;
  adminKey: string;
  config: GatewayConfig;
  dataDir: string;
  clock: FakeClock;
  gateway: Gateway;
  /** every call made to the real record store, in order */
  storeCalls: StoreCall[];
  /** everything the Gateway logged, as text */
  logs(): string;
  call(method: string, path: string, init?: CallInit): Promise<Reply>;
  generateKey(body?: Record<string, unknown>): Promise<{ api_key: string; key_id: string }>;
  /** Registers `coreUrl` as the Core of `apiKey` (POST /ngrok-urls/), as a Core does at start; throws unless 200. */
  registerCore(apiKey: string, coreUrl: string, coreToken: string): Promise<void>;
  close(): Promise<void>;
}

export interface CallInit {
  key?: string;
  body?: unknown;
  /** sent as is (for malformed JSON) */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

/**
 * A real Gateway on loopback (port 0) with the file store in a temp dir, a fake clock, the
 * record store observed call by call, and its logs captured. `env` overrides the variables.
 */
export async function startTestGateway(
  env: Record<string, string> = {},
  deps: Partial<GatewayDeps> = {},
): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), "cq-gw-"));
  const adminKey = env.ADMIN_API_KEY ?? `admin-${randomBytes(24).toString("base64url")}`;
  const config = loadGatewayConfig({
    GATEWAY_PORT: "0",
    DATA_DIR: dataDir,
    ADMIN_API_KEY: adminKey,
    KEY_PEPPER: randomBytes(32).toString("base64url"),
    ALLOW_INSECURE_TUNNELS: "true",
    LOG_LEVEL: "info",
    ...env,
  });
  const clock = new FakeClock();
  let logText = "";
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logText += chunk.toString("utf8");
      done();
    },
  });
  const storeCalls: StoreCall[] = [];
  const realStore: RecordStore = deps.store ?? createRecordStore(config.backend);
  const store = observeStore(realStore, (op, kind) => storeCalls.push({ op, kind }));
  const gateway = await createGateway(config, {
    logger: createLogger({ name: "gateway", level: "info", destination }),
    now: clock.now,
    ...deps,
    store,
  });
  const url = await gateway.listen();

  async function call(method: string, path: string, init: CallInit = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.key !== undefined) headers["X-API-KEY"] = init.key;
    let body: string | Buffer | undefined = init.rawBody;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers["Content-Type"] = "application/json";
    }
    const res = await fetch(`${url}${path}`, { method, headers, body: body as BodyInit | undefined });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = {};
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  return {
    url,
    adminKey,
    config,
    dataDir,
    clock,
    gateway,
    storeCalls,
    logs: () => logText,
    call,
    async generateKey(body = {}) {
      const res = await call("POST", "/api-keys/generate", { key: adminKey, body });
      if (res.status !== 200) throw new Error(`generate failed: ${res.status} ${res.text}`);
      return res.body as { api_key: string; key_id: string };
    },
    async registerCore(apiKey, coreUrl, coreToken) {
      const res = await call("POST", "/ngrok-urls/", {
        key: apiKey,
        body: { ngrok_url: coreUrl, core_token: coreToken },
      });
      if (res.status !== 200) throw new Error(`registration failed: ${res.status} ${res.text}`);
    },
    async close() {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
