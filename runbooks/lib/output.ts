import { chalk, spinner } from "zx";
import type { TextSink } from "./script-io.js";

/**
 * Console output for runbooks and scripts: colours only on a terminal and when NO_COLOR is unset
 * (https://no-color.org); progress spinners only on a terminal, plain lines otherwise (CI logs).
 */
export interface Output {
  readonly color: boolean;
  readonly c: typeof chalk;
  info(message: string): void;
  ok(message: string): void;
  warn(message: string): void;
  fail(message: string): void;
  plan(message: string): void;
  /** a dimmed aside on stderr, so it never mixes with output a program reads (--json) */
  note(message: string): void;
  /** runs `fn` behind a spinner (terminal) or after a "… title" line (pipes, CI) */
  progress<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

export function colorEnabled(env: Record<string, string | undefined>, stream: { isTTY?: boolean }): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return Boolean(stream.isTTY);
}

export function createOutput(
  env: Record<string, string | undefined> = process.env,
  streams: { stdout: TextSink; stderr: TextSink } = process,
): Output {
  const color = colorEnabled(env, streams.stdout);
  chalk.level = color ? 1 : 0;
  const interactive = Boolean(streams.stderr.isTTY) && env.CI !== "true";
  const line = (sink: TextSink) => (message: string) => void sink.write(`${message}\n`);
  const out = line(streams.stdout);
  const err = line(streams.stderr);
  return {
    color,
    c: chalk,
    info: out,
    ok: (m) => out(`${chalk.green("✔")} ${m}`),
    warn: (m) => err(`${chalk.yellow("!")} ${m}`),
    fail: (m) => err(`${chalk.red("✖")} ${m}`),
    plan: (m) => out(`${chalk.cyan("→")} ${m}`),
    note: (m) => err(chalk.dim(m)),
    async progress(title, fn) {
      if (!interactive) {
        out(chalk.dim(`… ${title}`));
        return fn();
      }
      return spinner(title, fn);
    },
  };
}
