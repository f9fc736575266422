/** Reading IAM-style JSON documents inside policies (key, bucket, secret, topic, role policies). */

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export const asList = <T>(value: T | T[] | undefined | null): T[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

/** The statements of a policy given as a JSON string or an object; [] when absent. */
export function statementsOf(document: unknown): PolicyStatement[] {
  if (document === undefined || document === null || document === "") return [];
  const parsed = (typeof document === "string" ? JSON.parse(document) : document) as {
    Statement?: PolicyStatement | PolicyStatement[];
  };
  return asList(parsed.Statement);
}

/** True when a statement's principal is everyone: "*", {"AWS": "*"} or a list containing "*". */
export function hasWildcardPrincipal(statement: PolicyStatement): boolean {
  const p = statement.Principal;
  if (p === "*") return true;
  if (p && typeof p === "object")
    return Object.values(p as Record<string, unknown>).some((v) =>
      asList(v as string | string[]).includes("*"),
    );
  return false;
}

/** Actions that grant everything in a service or everywhere: `*`, `s3:*`, `kms:*`. */
export const isWildcardAction = (action: string): boolean => action === "*" || action.endsWith(":*");
