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
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, readEnvironment } from "../app/common/config.js";
import { describeListenError } from "../app/common/startup.js";
import { describeError } from "../runbooks/lib/cli.js";
import {
  DEV_DIR,
  DevStateError,
  readDevSecrets,
  RUNNING_FILE,
  SECRETS_FILE,
  type DevSecrets,
} from "../runbooks/lib/local-dev.js";
import { createLogger } from "../app/common/logger.js";
import { loadCoreConfig } from "../app/core/config.js";
import { createCore, type Core } from "../app/core/server.js";
import { loadGatewayConfig } from "../app/gateway/config.js";
import { createGateway, type Gateway } from "../app/gateway/server.js";

const HELP = `Usage: make dev [PROJECT=<dir>]  (or: npx tsx scripts/dev.ts [options])

Runs Gateway + Core locally: file store under .data/dev/, no AWS, no ngrok.

Options:
  --project <dir>   directory the Core serves (make: PROJECT=<dir>; default: PROJECT_PATH from
                    the environment or .env, else this repository)
  --gateway-port N  Gateway port (default: GATEWAY_PORT from the environment or .env, else 8080)
  --core-port N     Core port (default: CORE_PORT from the environment or .env, else 5001)
  --new-key         issue a fresh local user key instead of reusing the saved one
  --help            show this help

Environment: LOG_LEVEL (default warn) for both services.`;

const USER_KEY_FILE = join(DEV_DIR, "user-key");

/** A failure the user can fix: printed as one line, no stack. */
class DevError extends Error {}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new DevError(`${name}: expected a port from 1 to 65535, got "${value}"`);
  return n;
}

/** Admin key and pepper: made once, then reused (the stored key hashes depend on the pepper). */
function devSecrets(): { secrets: DevSecrets; created: boolean } {
  if (existsSync(SECRETS_FILE)) return { secrets: readDevSecrets(SECRETS_FILE), created: false };
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
  if (!res.ok)
    throw new DevError(
      `could not issue a local key: ${res.status} ${await res.text()}; delete .data/dev/ and run make dev again`,
    );
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
  throw new DevError(
    "the Core did not register with the Gateway within 30 s; run with LOG_LEVEL=info to see why",
  );
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
  let gateway: Gateway | undefined;
  let core: Core | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (gateway || core) console.log("\nstopping Core and Gateway…");
    await core?.close().catch(() => undefined);
    await gateway?.close().catch(() => undefined);
    rmSync(RUNNING_FILE, { force: true });
    process.exit(code);
  };
  process.once("SIGINT", () => void stop(0));
  process.once("SIGTERM", () => void stop(0));

  let gatewayPort = 0;
  let corePort = 0;
  try {
    // The same settings loader as the services: the environment over .env, misspellings refused.
    const env = readEnvironment();
    const projectPath = resolve(values.project ?? env.PROJECT_PATH ?? ".");
    const projectSource = values.project
      ? "PROJECT / --project"
      : env.PROJECT_PATH
        ? `PROJECT_PATH from ${process.env.PROJECT_PATH ? "the environment" : ".env"}`
        : "default: this directory";
    if (!existsSync(projectPath) || !statSync(projectPath).isDirectory())
      throw new DevError(`the project directory ${projectPath} (${projectSource}) does not exist`);
    gatewayPort = port(values["gateway-port"] ?? env.GATEWAY_PORT, 8080, "GATEWAY_PORT");
    corePort = port(values["core-port"] ?? env.CORE_PORT, 5001, "CORE_PORT");
    const logLevel = process.env.LOG_LEVEL ?? "warn";

    mkdirSync(DEV_DIR, { recursive: true, mode: 0o700 });
    const { secrets, created: secretsCreated } = devSecrets();

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
    const gatewayUrl = await gateway.listen().catch((err: unknown) => {
      gateway = undefined;
      throw new DevError(
        describeListenError(err, {
          host: "127.0.0.1",
          port: gatewayPort,
          hostSetting: "GATEWAY_HOST",
          portSetting: "GATEWAY_PORT",
        }),
      );
    });
    writePrivate(RUNNING_FILE, JSON.stringify({ gateway_url: gatewayUrl, pid: process.pid }) + "\n");
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
    const coreUrl = await core.listen().catch((err: unknown) => {
      throw new DevError(
        describeListenError(err, {
          host: "127.0.0.1",
          port: corePort,
          hostSetting: "CORE_HOST",
          portSetting: "CORE_PORT",
        }),
      );
    });
    console.log(`Core     ${coreUrl}  (project: ${projectPath}, ${projectSource})`);
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
    const known = err instanceof DevError || err instanceof ConfigError || err instanceof DevStateError;
    console.error(`dev: ${known ? (err as Error).message : describeError(err)}`);
    await stop(1);
  }
}

main().catch((err: unknown) => {
  // parseArgs refuses unknown options and missing values
  console.error(`dev: ${describeError(err)} (see --help)`);
  process.exit(2);
});
