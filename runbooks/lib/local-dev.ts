import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { z } from "zod";

/**
 * The local state of `make dev` (.data/dev/): its admin key and pepper, and which Gateway it is
 * running, so `make api-keys`, `make smoke` and the runbooks can find that Gateway's admin key.
 */
export const DEV_DIR = resolve(".data/dev");

/** The make dev state directory of the checkout at `cwd`. */
export function devDirOf(cwd: string): string {
  return resolve(cwd, ".data/dev");
}
export const SECRETS_FILE = join(DEV_DIR, "secrets.json");
export const RUNNING_FILE = join(DEV_DIR, "running.json");

/** Local state that is not what make dev wrote; the message says how to start over. */
export class DevStateError extends Error {
  override name = "DevStateError";
}

const secretsSchema = z.object({ admin_api_key: z.string().min(16), key_pepper: z.string().min(16) });
export type DevSecrets = z.output<typeof secretsSchema>;

const runningSchema = z.object({ gateway_url: z.string(), pid: z.number().int() });

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}

export function readDevSecrets(path = SECRETS_FILE): DevSecrets {
  const secrets = secretsSchema.safeParse(readJson(path));
  if (!secrets.success)
    throw new DevStateError(
      `${shown(path)} is damaged (not the JSON make dev wrote): delete .data/dev/ and run make dev again (it makes new local keys)`,
    );
  return secrets.data;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}

/** The URL of the `make dev` Gateway when make dev is running. */
export function runningDevGatewayUrl(dir = DEV_DIR): string | undefined {
  const runningFile = join(dir, "running.json");
  if (!existsSync(runningFile)) return undefined;
  const running = runningSchema.safeParse(readJson(runningFile));
  return running.success && isAlive(running.data.pid) ? running.data.gateway_url : undefined;
}

/**
 * The admin key of the `make dev` Gateway when that Gateway is running at `gatewayUrl`, with
 * where it came from; undefined when make dev is not running there (or left stale state).
 */
export function devGatewayAdminKey(
  gatewayUrl: string,
  dir = DEV_DIR,
): { key: string; source: string } | undefined {
  const running = runningDevGatewayUrl(dir);
  if (!running || trimSlash(running) !== trimSlash(gatewayUrl)) return undefined;
  const secretsFile = join(dir, "secrets.json");
  return {
    key: readDevSecrets(secretsFile).admin_api_key,
    source: `${shown(secretsFile)} (the make dev Gateway at ${running})`,
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
