import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseDotenv } from "dotenv";
import type { z } from "zod";

/** A configuration value is missing or wrong; the message names the variable and what it expects. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Where every setting is listed, with its meaning: the repository's `.env.example`. */
const SETTINGS_TEMPLATE = fileURLToPath(new URL("../../.env.example", import.meta.url));

/** Names a `.env` may hold besides our settings: the AWS SDK's, Node's, colour switches. */
const FOREIGN_NAMES = /^(AWS_[A-Z0-9_]+|NODE_[A-Z0-9_]+|NO_COLOR|FORCE_COLOR|CI|TZ|DEBUG)$/;

/** Every setting `.env.example` lists (commented-out ones too); empty when it is not there. */
export function knownSettingNames(template = SETTINGS_TEMPLATE): ReadonlySet<string> {
  if (!existsSync(template)) return new Set();
  return new Set(
    [...readFileSync(template, "utf8").matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!),
  );
}

/**
 * Environment for a service or a script: the process environment over an optional `.env` file.
 * Real environment variables win, so a deployment can override a developer's `.env`. A name in
 * `.env` that is no setting (a typo such as PROJCT_PATH would otherwise be ignored without a
 * word) is a ConfigError naming the closest setting. Without a settings list (`known` empty, as
 * in a release without `.env.example`) names are not checked.
 */
export function readEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  envFile: string | undefined = ".env",
  known: ReadonlySet<string> = knownSettingNames(),
): Record<string, string | undefined> {
  const fromFile = envFile && existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  if (known.size > 0) {
    const unknown = Object.keys(fromFile).filter((name) => !known.has(name) && !FOREIGN_NAMES.test(name));
    if (unknown.length > 0) throw new ConfigError(unknownSettingsMessage(envFile ?? ".env", unknown, known));
  }
  return { ...fromFile, ...env };
}

function unknownSettingsMessage(file: string, unknown: string[], known: ReadonlySet<string>): string {
  const parts = unknown.map((name) => {
    const closest = closestName(name, known);
    return closest ? `${name} (did you mean ${closest}?)` : name;
  });
  return `${file}: not a setting: ${parts.join(", ")}. Fix or remove it; every setting is listed in .env.example`;
}

/** The known name within a small edit distance of `name`, if any. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name.toUpperCase(), candidate);
    if (distance <= Math.max(2, Math.floor(candidate.length / 4)) && (!best || distance < best.distance))
      best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Validates `env` against a zod schema. On failure throws one ConfigError whose message names
 * every bad variable, e.g. `Invalid configuration: CORE_PORT: expected a number from 1 to 65535`.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.length > 0 ? issue.path.join(".") : "(environment)";
    return `${name}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
}

/** Parses "true"/"false"/"1"/"0"/"yes"/"no" (any case); anything else is a configuration error. */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(v)) return true;
  if (["false", "0", "no", "off", ""].includes(v)) return false;
  return undefined;
}

/** Splits a comma-separated list, trimming blanks. */
export function parseList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
