import { existsSync, realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { question } from "zx";

/** Where a script writes: process.stdout/stderr when run as a command, a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
  /** a terminal (colours, spinners); absent or false for pipes and buffers */
  readonly isTTY?: boolean;
}

/**
 * Everything a script or runbook takes from the world besides its arguments: where it prints,
 * its environment, its working directory, and a terminal to ask on. `main(argv, io)` reads only
 * these, so a test runs it in-process with its own environment and directory.
 */
export interface ScriptIo {
  stdout: TextSink;
  stderr: TextSink;
  env: Record<string, string | undefined>;
  /** the directory relative paths (.env, .data/dev, the files to scan) are read from */
  cwd: string;
  /** asks the user a question on a terminal; absent when there is none (pipes, CI, tests) */
  ask?: (prompt: string) => Promise<string>;
}

/** The signature every script and runbook exports; resolves to the exit code. */
export type ScriptMain = (argv: string[], io: ScriptIo) => Promise<number>;

/** The real process: its streams, environment, directory and (on a terminal) its stdin. */
export function processIo(): ScriptIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    ask: process.stdin.isTTY ? (prompt) => question(prompt) : undefined,
  };
}

/** True when the module at `moduleUrl` is the file node was started with (realpath: symlinked checkouts). */
export function isEntryPoint(moduleUrl: string): boolean {
  const started = process.argv[1];
  if (!started || !existsSync(started)) return false;
  return moduleUrl === pathToFileURL(realpathSync(started)).href;
}

/** Runs `main` with the real process when its module is the command being run; a no-op when imported. */
export async function runIfEntryPoint(moduleUrl: string, main: ScriptMain): Promise<void> {
  if (!isEntryPoint(moduleUrl)) return;
  // The SDK's "needs Node 22 from 2027" notice would bury the script's own output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  process.exitCode = await main(process.argv.slice(2), processIo());
}
