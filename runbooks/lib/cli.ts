import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readEnvironment } from "../../app/common/config.js";
import { createOutput, type Output } from "./output.js";
import type { ScriptIo } from "./script-io.js";

/** A failure the operator can act on: printed as one line, exit code 1. */
export class RunbookError extends Error {
  override name = "RunbookError";
}

export interface OptionSpec {
  type: "string" | "boolean";
  description: string;
  /** shown in --help as the value's name, e.g. "<ISO time>" */
  arg?: string;
  default?: string | boolean;
}

export interface CliSpec {
  /** script name, e.g. "rotate-kms-key"; the audit actor is "runbook:<name>" */
  name: string;
  summary: string;
  /** extra usage lines after the name, e.g. "<command> [--id ID]" */
  usage?: string;
  options: Record<string, OptionSpec>;
  examples?: string[];
  /** positional arguments allowed (default: none) */
  positionals?: boolean;
  /** false for a script that must run even when .env is wrong (init, which writes it) */
  readsEnvFile?: boolean;
}

/** Options every runbook takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  env: {
    type: "string",
    arg: "<dev|staging|prod>",
    description: "environment (Pulumi stack) to act on",
    default: "dev",
  },
  "dry-run": { type: "boolean", description: "print the plan, change nothing" },
  yes: { type: "boolean", description: "do not ask for confirmation before changing anything" },
  help: { type: "boolean", description: "show this help" },
};

export interface ParsedCli {
  options: Record<string, string | boolean | undefined>;
  positionals: string[];
  env: string;
  dryRun: boolean;
  yes: boolean;
  help: boolean;
}

/** Single-letter spellings of the common options. */
const SHORT: Record<string, string> = { help: "h", yes: "y" };

export function parseCli(spec: CliSpec, args: string[]): ParsedCli {
  const all = { ...COMMON_OPTIONS, ...spec.options };
  const config = Object.fromEntries(
    Object.entries(all).map(([name, o]) => [
      name,
      { type: o.type, ...(SHORT[name] ? { short: SHORT[name] } : {}) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs<{ options: typeof config; allowPositionals: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args, options: config, strict: true, allowPositionals: true, tokens: true });
  } catch (err) {
    throw new RunbookError(`${argumentMistake(err)} (see --help)`);
  }
  const { values, positionals, tokens } = parsed;
  if (!spec.positionals && positionals.length > 0) {
    throw new RunbookError(`unexpected argument "${positionals[0]}" (see --help)`);
  }
  const options: Record<string, string | boolean | undefined> = {};
  for (const [name, o] of Object.entries(all)) {
    const value = values[name];
    if (o.type === "boolean") {
      options[name] = value === true;
      continue;
    }
    // parseArgs keeps the last of repeated values silently: a repeat is more likely a mistake.
    if (tokens.filter((t) => t.kind === "option" && t.name === name).length > 1)
      throw new RunbookError(`--${name} needs exactly one value (see --help)`);
    if (value === "") throw new RunbookError(`--${name} needs a value (see --help)`);
    options[name] = value === undefined ? (o.default as string | undefined) : String(value);
  }
  const env = String(options.env ?? "dev");
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(env))
    throw new RunbookError(`--env must be a stack name like dev, staging or prod, got "${env}"`);
  return {
    options,
    positionals,
    env,
    dryRun: options["dry-run"] === true,
    yes: options.yes === true,
    help: options.help === true,
  };
}

/** parseArgs's multi-line message for a bad command line, as one line in our words. */
/** One line for what `parseArgs` refused ("unknown option --evn", "--env needs a value"). */
export function argumentMistake(err: unknown): string {
  const { code, message } = err as { code?: string; message?: string };
  const option = /'(-[^' ]+)/.exec(message ?? "")?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE")
    return /does not take an argument/.test(message ?? "")
      ? `${option} takes no value`
      : `${option} needs a value`;
  return (message ?? String(err)).split("\n")[0]!;
}

export function helpText(spec: CliSpec, out: Output): string {
  const { c } = out;
  const all = { ...spec.options, ...COMMON_OPTIONS };
  const rows = Object.entries(all).map(([name, o]) => {
    const left = `--${name}${o.arg ? ` ${o.arg}` : ""}`;
    const def =
      o.default !== undefined && o.default !== false ? c.dim(` (default: ${String(o.default)})`) : "";
    return [left, `${o.description}${def}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [
    `${c.bold(spec.name)} — ${spec.summary}`,
    "",
    `${c.bold("Usage:")} ${spec.name}${spec.usage ? ` ${spec.usage}` : ""} [options]`,
    "",
    c.bold("Options:"),
    ...rows.map(([l, r]) => `  ${c.cyan(l.padEnd(width))}${r}`),
  ];
  if (spec.examples?.length) lines.push("", c.bold("Examples:"), ...spec.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

export interface RunContext extends ParsedCli {
  out: Output;
  /** the environment (entry point only: runbooks read settings through settings.ts) */
  environment: Record<string, string | undefined>;
  /** the process's streams, real environment (without .env) and working directory */
  io: ScriptIo;
  /** asks before a change; true with --yes; refuses without a terminal to ask on */
  confirm(what: string): Promise<boolean>;
}

export async function confirmChange(
  what: string,
  opts: {
    yes: boolean;
    environment: Record<string, string | undefined>;
    out: Output;
    ask?: ScriptIo["ask"];
  },
): Promise<boolean> {
  if (opts.yes) return true;
  if (!opts.ask || opts.environment.CI === "true") {
    throw new RunbookError(
      `${what}: re-run with ${yesFlag(opts.environment)} to confirm (no terminal to ask on)`,
    );
  }
  const answer = await opts.ask(opts.out.c.yellow(`${what}? [y/N] `));
  return /^y(es)?$/i.test(answer.trim());
}

/**
 * How the user says "yes" where they are: `YES=1` to make, `--yes` to the script itself. The
 * Makefile marks its own script runs with CQ_VIA_MAKE=1 (MAKELEVEL would also mark everything a
 * `make test` starts).
 */
export function yesFlag(environment: Record<string, string | undefined>): string {
  return environment.CQ_VIA_MAKE === "1" ? "YES=1" : "--yes";
}

/**
 * The `main` of every runbook and script: parses options, prints --help, runs `body`, and turns
 * any failure into one clear line on stderr. Resolves to the exit code (0, or 1 on failure).
 */
export async function runCli(
  spec: CliSpec,
  body: (ctx: RunContext) => Promise<void>,
  argv: string[],
  io: ScriptIo,
): Promise<number> {
  let environment: Record<string, string | undefined> = { ...io.env };
  const out = createOutput(environment, io);
  try {
    const parsed = parseCli(spec, argv);
    if (parsed.help) {
      out.info(helpText(spec, out));
      return 0;
    }
    // Local work reads .env like the services do (one loader); other environments take only real variables.
    if (parsed.env === "dev" && spec.readsEnvFile !== false)
      environment = readEnvironment(io.env, envFileOf(io.cwd));
    const ctx: RunContext = {
      ...parsed,
      out,
      environment,
      io,
      confirm: (what) => confirmChange(what, { yes: parsed.yes, environment, out, ask: io.ask }),
    };
    await body(ctx);
    return 0;
  } catch (err) {
    out.fail(`${spec.name}: ${describeError(err)}`);
    return 1;
  }
}

/** `.env` in `cwd`, named as the user knows it when that is where they are. */
function envFileOf(cwd: string): string {
  return resolve(cwd) === process.cwd() ? ".env" : join(cwd, ".env");
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const name = err.name && err.name !== "Error" && err.name !== "RunbookError" ? `${err.name}: ` : "";
    return `${name}${err.message}`.split("\n")[0]!;
  }
  return String(err);
}
