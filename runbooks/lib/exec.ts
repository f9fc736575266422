import { execFile, spawn } from "node:child_process";
import { RunbookError } from "./cli.js";

/** Runs a command and returns its stdout; a failure becomes a RunbookError with stderr's first line. */
export function capture(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const why = stderr.trim().split("\n")[0] || err.message.split("\n")[0];
        reject(new RunbookError(`${cmd} ${args[0] ?? ""} failed: ${why}`));
      },
    );
  });
}

/** Runs a long command with its output shown to the operator (deploys, smoke checks). */
export function stream(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (err) => reject(new RunbookError(`${cmd} could not start: ${err.message}`)));
    child.on("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(new RunbookError(`${cmd} ${args.join(" ")} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}
