import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Repository root (runbooks/lib/../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// Node with tsx's loader, not the tsx CLI: the CLI starts a second Node process for every run.
const TSX_LOADER = pathToFileURL(resolve(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href;

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
}

/**
 * Runs one of our TypeScript scripts as a real child process (tests use it to exercise the very
 * command an operator types). Never throws on a non-zero exit: the result carries the code.
 */
export function runScript(
  script: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {},
): Promise<ScriptResult> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ["--import", TSX_LOADER, resolve(REPO_ROOT, script), ...args],
      {
        cwd: opts.cwd ?? REPO_ROOT,
        env: { ...process.env, NO_COLOR: "1", ...opts.env } as NodeJS.ProcessEnv,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 32 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        done({ code, stdout, stderr, output: stdout + stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
