import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { which } from "zx";
import { RunbookError } from "./cli.js";

const run = promisify(execFile);

export type StackOutputs = Record<string, unknown>;

/**
 * Outputs of the Pulumi stack for `env` (`pulumi stack output --json --stack <env>`), or {} when
 * the Pulumi CLI is not installed. A present CLI that fails is an error: the operator asked for
 * an environment we cannot read.
 */
export async function loadStackOutputs(env: string, cwd = process.cwd()): Promise<StackOutputs> {
  const pulumi = await which("pulumi", { nothrow: true });
  if (!pulumi) return {};
  try {
    const { stdout } = await run(pulumi, ["stack", "output", "--json", "--stack", env], {
      cwd,
      timeout: 120_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    return JSON.parse(stdout) as StackOutputs;
  } catch (err) {
    const message = (err as { stderr?: string }).stderr?.trim().split("\n")[0] ?? (err as Error).message;
    throw new RunbookError(`could not read the outputs of stack "${env}": ${message}`);
  }
}

export interface SettingSource {
  /** command-line option name, e.g. "bucket" */
  flag?: string;
  /** environment variable names, first set wins, e.g. ["S3_BUCKET"] */
  env?: string[];
  /** Pulumi stack output name, e.g. "stateBucketName" */
  output?: string;
}

/**
 * Settings resolved flags → environment → stack outputs. The stack outputs are read only when a
 * setting is still missing after flags and environment (the Pulumi CLI is slow to start).
 */
export async function resolveSettings<K extends string>(
  sources: Record<K, SettingSource>,
  input: {
    options: Record<string, string | boolean | undefined>;
    environment: Record<string, string | undefined>;
    env: string;
    outputs?: () => Promise<StackOutputs>;
  },
): Promise<Record<K, string | undefined>> {
  const result = {} as Record<K, string | undefined>;
  const missing: K[] = [];
  for (const key of Object.keys(sources) as K[]) {
    const source = sources[key];
    const fromFlag = source.flag ? input.options[source.flag] : undefined;
    const fromEnv = source.env
      ?.map((name) => input.environment[name])
      .find((v) => v !== undefined && v !== "");
    const value = typeof fromFlag === "string" && fromFlag !== "" ? fromFlag : fromEnv;
    result[key] = value;
    if (value === undefined && source.output) missing.push(key);
  }
  if (missing.length > 0) {
    const outputs = await (input.outputs ?? (() => loadStackOutputs(input.env)))();
    for (const key of missing) {
      const v = outputs[sources[key].output!];
      if (typeof v === "string" && v !== "") result[key] = v;
      else if (typeof v === "number") result[key] = String(v);
    }
  }
  return result;
}

/** The value, or a RunbookError naming every place it could have come from. */
export function requireSetting(value: string | undefined, what: string, source: SettingSource): string {
  if (value !== undefined && value !== "") return value;
  const places = [
    source.flag ? `--${source.flag}` : undefined,
    ...(source.env ?? []),
    source.output ? `stack output ${source.output}` : undefined,
  ].filter(Boolean);
  throw new RunbookError(`${what} is not set: give ${places.join(" or ")}`);
}
