#!/usr/bin/env -S npx tsx
/**
 * `make dev`: the whole flow on this machine. Starts a Gateway (file store under .data/dev/, no
 * AWS) and a Core beside PROJECT_PATH (default: this repository) with the `none` tunnel,
 * registered with that Gateway; then prints the curl lines that read the structure and a file
 * through the Gateway. Ctrl-C stops both.
 *
 * The admin key, pepper and a user key are made on the first run and kept in .data/dev/ (files
 * readable by you only) so later runs reuse them. They are local-only: never use them elsewhere.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createLogger } from "../app/common/logger.js";
import { loadCoreConfig } from "../app/core/config.js";
import { createCore, type Core } from "../app/core/server.js";
import { loadGatewayConfig } from "../app/gateway/config.js";
import { createGateway, type Gateway } from "../app/gateway/server.js";

const HELP = `Usage: make dev  (or: npx tsx scripts/dev.ts [options])

Runs Gateway + Core locally: file store under .data/dev/, no AWS, no ngrok.

Options:
  --project <dir>   directory the Core serves (default: $PROJECT_PATH or this repository)
  --gateway-port N  Gateway port (default: $GATEWAY_PORT or 8080)
  --core-port N     Core port (default: $CORE_PORT or 5001)
  --new-key         issue a fresh local user key instead of reusing the saved one
  --help            show this help

Environment: LOG_LEVEL (default warn) for both services.`;

interface DevSecrets {
  admin_api_key: string;
  key_pepper: string;
}

const DEV_DIR = resolve(".data/dev");
const SECRETS_FILE = join(DEV_DIR, "secrets.json");
const USER_KEY_FILE = join(DEV_DIR, "user-key");

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`${name}: expected a port from 1 to 65535, got "${value}"`);
  return n;
}

/** Admin key and pepper: made once, then reused (the stored key hashes depend on the pepper). */
function devSecrets(): { secrets: DevSecrets; created: boolean } {
  if (existsSync(SECRETS_FILE))
    return { secrets: JSON.parse(readFileSync(SECRETS_FILE, "utf8")) as DevSecrets, created: false };
  const secrets = {
    admin_api_key: `dev-admin-${randomBytes(24).toString("base64url")}`,
    key_pepper: randomBytes(32).toString("base64url"),
  };
  writePrivate(SECRETS_FILE, JSON.stringify(secrets, null, 2) + "\n");
  return { secrets, created: true };
}

/** The saved user key if the Gateway still accepts it, otherwise a new one from the admin API. */
async function devUserKey(
  gatewayUrl: string,
  adminKey: string,
  fresh: boolean,
): Promise<{ key: string; created: boolean }> {
  if (!fresh && existsSync(USER_KEY_FILE)) {
    const key = readFileSync(USER_KEY_FILE, "utf8").trim();
    const res = await fetch(`${gatewayUrl}/api-keys/self`, { headers: { "X-API-KEY": key } });
    if (res.ok) return { key, created: false };
    console.log(`  the saved local key is no longer valid (${res.status}); issuing a new one`);
  }
  const res = await fetch(`${gatewayUrl}/api-keys/generate`, {
    method: "POST",
    headers: { "X-API-KEY": adminKey, "Content-Type": "application/json" },
    body: JSON.stringify({ label: "make dev", expiration_days: 365, requests_per_minute: 600 }),
  });
  if (!res.ok) throw new Error(`could not issue a local key: ${res.status} ${await res.text()}`);
  const { api_key } = (await res.json()) as { api_key: string };
  writePrivate(USER_KEY_FILE, api_key + "\n");
  return { key: api_key, created: true };
}

async function waitForRegistration(gatewayUrl: string, key: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${gatewayUrl}/ngrok-urls/self`, { headers: { "X-API-KEY": key } });
    if (res.ok) return ((await res.json()) as { ngrok_url: string }).ngrok_url;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the Core did not register with the Gateway within 30 s");
}

function pickFile(projectPath: string): string {
  for (const name of ["README.md", "package.json", "readme.md", "README"])
    if (existsSync(join(projectPath, name))) return name;
  return "README.md";
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      project: { type: "string" },
      "gateway-port": { type: "string" },
      "core-port": { type: "string" },
      "new-key": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const projectPath = resolve(values.project ?? process.env.PROJECT_PATH ?? ".");
  const gatewayPort = port(values["gateway-port"] ?? process.env.GATEWAY_PORT, 8080, "--gateway-port");
  const corePort = port(values["core-port"] ?? process.env.CORE_PORT, 5001, "--core-port");
  const logLevel = process.env.LOG_LEVEL ?? "warn";

  mkdirSync(DEV_DIR, { recursive: true, mode: 0o700 });
  const { secrets, created: secretsCreated } = devSecrets();

  let gateway: Gateway | undefined;
  let core: Core | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping Core and Gateway…");
    await core?.close().catch(() => undefined);
    await gateway?.close().catch(() => undefined);
    process.exit(code);
  };
  process.once("SIGINT", () => void stop(0));
  process.once("SIGTERM", () => void stop(0));

  try {
    gateway = await createGateway(
      loadGatewayConfig({
        GATEWAY_HOST: "127.0.0.1",
        GATEWAY_PORT: String(gatewayPort),
        STORE: "file",
        DATA_DIR: join(DEV_DIR, "gateway"),
        ADMIN_API_KEY: secrets.admin_api_key,
        KEY_PEPPER: secrets.key_pepper,
        ALLOW_INSECURE_TUNNELS: "true",
        LOG_LEVEL: logLevel,
      }),
      { logger: createLogger({ name: "gateway", level: logLevel }) },
    );
    const gatewayUrl = await gateway.listen();
    console.log(`Gateway  ${gatewayUrl}  (file store: ${join(DEV_DIR, "gateway")})`);

    const { key, created: keyCreated } = await devUserKey(
      gatewayUrl,
      secrets.admin_api_key,
      values["new-key"],
    );

    core = createCore(
      loadCoreConfig({
        PROJECT_PATH: projectPath,
        CORE_HOST: "127.0.0.1",
        CORE_PORT: String(corePort),
        API_KEY: key,
        TUNNEL: "none",
        GATEWAY_URL: gatewayUrl,
        LOG_LEVEL: logLevel,
      }),
      { logger: createLogger({ name: "core", level: logLevel }) },
    );
    const coreUrl = await core.listen();
    console.log(`Core     ${coreUrl}  (project: ${projectPath})`);
    const registered = await waitForRegistration(gatewayUrl, key);
    console.log(`Core registered with the Gateway as ${registered}`);

    if (secretsCreated || keyCreated) {
      console.log(
        "\nLocal-only keys (saved in .data/dev/, shown this once; never use them outside this machine):",
      );
      if (secretsCreated) console.log(`  admin key  ${secrets.admin_api_key}`);
      if (keyCreated) console.log(`  user key   ${key}`);
    }
    const file = pickFile(projectPath);
    const keyArg = `"X-API-KEY: $(cat ${USER_KEY_FILE})"`;
    console.log(`
Try it (through the Gateway):
  curl -s -H ${keyArg} ${gatewayUrl}/files/structure
  curl -s -H ${keyArg} -H "Content-Type: application/json" -d '{"file_paths": ["${file}"]}' ${gatewayUrl}/files/content
Admin page: ${gatewayUrl}/admin (sign in with the admin key in ${SECRETS_FILE})

Ctrl-C stops both.`);
  } catch (err) {
    console.error(`dev: ${err instanceof Error ? err.message : String(err)}`);
    await stop(1);
  }
}

void main();
