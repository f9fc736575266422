import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX_LOADER = pathToFileURL(`${REPO_ROOT}node_modules/tsx/dist/loader.mjs`).href;

/**
 * Runs one of the services' entry points (`app/core/main.ts`, `app/gateway/main.ts`) as a real
 * process, as `make core` / `make gateway` do, in `cwd` (where it looks for `.env`), with only
 * the environment given, and returns once it exits (a test gives it a reason to).
 */
export function runServiceToExit(entry: string, cwd: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", TSX_LOADER, `${REPO_ROOT}${entry}`], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}
