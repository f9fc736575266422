import { existsSync, readFileSync } from "node:fs";
import { parse as parseDotenv } from "dotenv";
import type { z } from "zod";

/** A configuration value is missing or wrong; the message names the variable and what it expects. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Environment for a service: the process environment over an optional `.env` file.
 * Real environment variables win, so a deployment can override a developer's `.env`.
 */
export function readEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  envFile: string | undefined = ".env",
): Record<string, string | undefined> {
  const fromFile = envFile && existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  return { ...fromFile, ...env };
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
