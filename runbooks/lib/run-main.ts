import type { ScriptResult } from "./run-script.js";
import { REPO_ROOT } from "./run-script.js";
import type { ScriptIo, ScriptMain, TextSink } from "./script-io.js";

/** A sink that keeps what is written, for a test to read. */
function buffer(): TextSink & { text: string } {
  const sink = {
    text: "",
    isTTY: false,
    write(chunk: string) {
      sink.text += chunk;
      return true;
    },
  };
  return sink;
}

/**
 * Runs a script's exported `main` in this process, as `runScript` runs it in a child: the same
 * environment (this process's, NO_COLOR, then `env`), the same working directory (the repository
 * unless `cwd`), no terminal; stdout and stderr are captured. Tests use it for the many cases of
 * a script, and `runScript` once per script to prove the command itself starts.
 */
export async function runMain(
  main: ScriptMain,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; ask?: ScriptIo["ask"] } = {},
): Promise<ScriptResult> {
  const stdout = buffer();
  const stderr = buffer();
  const code = await main(args, {
    stdout,
    stderr,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    cwd: opts.cwd ?? REPO_ROOT,
    ask: opts.ask,
  });
  return { code, stdout: stdout.text, stderr: stderr.text, output: stdout.text + stderr.text };
}
