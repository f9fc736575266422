import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The config of `Pulumi.<stack>.yaml` as the Pulumi engine hands it to a program: one string per
 * fully qualified key, structured values (lists, objects) as JSON.
 */
export function readStackYaml(stack: string): Record<string, string> {
  const doc = parse(readFileSync(`${REPO_ROOT}Pulumi.${stack}.yaml`, "utf8")) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}
