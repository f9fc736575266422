import { minimist, question } from "zx";
import { readEnvironment } from "../../app/common/config.js";
import { createOutput, type Output } from "./output.js";

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

export function parseCli(spec: CliSpec, args: string[]): ParsedCli {
  const all = { ...COMMON_OPTIONS, ...spec.options };
  const names = Object.keys(all);
  const booleans = names.filter((n) => all[n]!.type === "boolean");
  const strings = names.filter((n) => all[n]!.type === "string");
  const unknown: string[] = [];
  const parsed = minimist(args, {
    boolean: booleans,
    string: strings,
    alias: { h: "help", y: "yes" },
    unknown: (arg) => {
      if (arg.startsWith("-")) unknown.push(arg);
      return true;
    },
  });
  if (unknown.length > 0) throw new RunbookError(`unknown option ${unknown[0]!.split("=")[0]} (see --help)`);
  const positionals = parsed._.map(String);
  if (!spec.positionals && positionals.length > 0) {
    throw new RunbookError(`unexpected argument "${positionals[0]}" (see --help)`);
  }
  const options: Record<string, string | boolean | undefined> = {};
  for (const name of names) {
    const value = parsed[name] as string | boolean | undefined;
    // minimist gives "" for an absent string option and false for an absent boolean.
    if (all[name]!.type === "string") {
      if (value === true || (Array.isArray(value) && value.length > 1)) {
        throw new RunbookError(`--${name} needs exactly one value (see --help)`);
      }
      // minimist turns a bare `--name` (no value) into "": that is a mistake, not "unset".
      const given = args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
      if (given && (value === undefined || value === ""))
        throw new RunbookError(`--${name} needs a value (see --help)`);
      options[name] =
        value === undefined || value === "" ? (all[name]!.default as string | undefined) : String(value);
    } else {
      options[name] = Boolean(value);
    }
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
  /** the process environment (entry point only: runbooks read settings through settings.ts) */
  environment: Record<string, string | undefined>;
  /** asks before a change; true with --yes; refuses without a terminal to ask on */
  confirm(what: string): Promise<boolean>;
}

export async function confirmChange(
  what: string,
  opts: { yes: boolean; environment: Record<string, string | undefined>; out: Output },
): Promise<boolean> {
  if (opts.yes) return true;
  if (!process.stdin.isTTY || opts.environment.CI === "true") {
    throw new RunbookError(
      `${what}: re-run with ${yesFlag(opts.environment)} to confirm (no terminal to ask on)`,
    );
  }
  const answer = await question(opts.out.c.yellow(`${what}? [y/N] `));
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
 * Entry point of every runbook: parses options, prints --help, runs `main`, and turns any
 * failure into one clear line on stderr and exit code 1.
 */
export async function runCli(
  spec: CliSpec,
  main: (ctx: RunContext) => Promise<void>,
  args = process.argv.slice(2),
): Promise<void> {
  // The SDK's "needs Node 22 from 2027" notice would bury the runbook's own output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  let environment: Record<string, string | undefined> = { ...process.env };
  const out = createOutput(environment);
  try {
    const parsed = parseCli(spec, args);
    if (parsed.help) {
      console.log(helpText(spec, out));
      return;
    }
    // Local work reads .env like the services do (one loader); other environments take only real variables.
    if (parsed.env === "dev" && spec.readsEnvFile !== false) environment = readEnvironment(process.env);
    const ctx: RunContext = {
      ...parsed,
      out,
      environment,
      confirm: (what) => confirmChange(what, { yes: parsed.yes, environment, out }),
    };
    await main(ctx);
  } catch (err) {
    out.fail(`${spec.name}: ${describeError(err)}`);
    process.exitCode = 1;
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const name = err.name && err.name !== "Error" && err.name !== "RunbookError" ? `${err.name}: ` : "";
    return `${name}${err.message}`.split("\n")[0]!;
  }
  return String(err);
}
