import { GetObjectCommand } from "@aws-sdk/client-s3";
import { RECORD_KINDS } from "../../app/gateway/store/types.js";
import { mapPool, type PlannedObject, type RestoreTarget } from "./restore-plan.js";
import { currentVersion, listObjectHistory } from "./s3-versions.js";

export interface RestoreCheck {
  /** objects expected per prefix, and found */
  counts: Record<string, { expected: number; found: number }>;
  /** one line per problem: "keys/abc.json: not valid JSON" */
  problems: string[];
}

/** Why a restored object is not a usable record, or null when it is. */
export function recordProblem(path: string, body: string): string | null {
  if (!path.endsWith(".json")) return null;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return "not valid JSON";
  }
  const [kind, file] = path.split("/");
  if (!(RECORD_KINDS as readonly string[]).includes(kind ?? "") || !file) return null;
  const record = value as { schema?: unknown; key_id?: unknown };
  if (record?.schema !== 1) return `schema is ${JSON.stringify(record?.schema)}, expected 1`;
  // OAuth records (app/gateway/oauth) are named by a hash of the token or client they hold.
  if (kind !== "oauth" && record.key_id !== file.slice(0, -".json".length))
    return `key_id ${JSON.stringify(record.key_id)} does not match the file name`;
  return null;
}

/**
 * After a restore: every object the plan wants is there and parses as a record of its kind, and
 * nothing else is (the count per prefix matches the plan).
 */
export async function verifyRestore(
  plan: PlannedObject[],
  target: RestoreTarget,
  prefixes: string[],
): Promise<RestoreCheck> {
  const problems: string[] = [];
  const counts: RestoreCheck["counts"] = {};
  for (const prefix of prefixes) {
    const expected = new Set(
      plan
        .filter(
          (p) => p.prefix === prefix && (p.action === "restored" || (p.action === "unchanged" && p.current)),
        )
        .map((p) => p.path),
    );
    const history = await listObjectHistory(target.s3, target.bucket, `${target.root}${prefix}/`);
    const present = [...history.entries()]
      .filter(([, h]) => currentVersion(h) !== null)
      .map(([key]) => key.slice(target.root.length));
    counts[prefix] = { expected: expected.size, found: present.length };
    for (const path of present) if (!expected.has(path)) problems.push(`${path}: present but should not be`);
    const missing = [...expected].filter((p) => !present.includes(p));
    for (const path of missing) problems.push(`${path}: missing`);
    const bodies = await mapPool(
      present.filter((p) => expected.has(p)),
      8,
      async (path) => {
        const res = await target.s3.send(
          new GetObjectCommand({ Bucket: target.bucket, Key: target.root + path }),
        );
        return { path, body: (await res.Body?.transformToString("utf8")) ?? "" };
      },
    );
    for (const { path, body } of bodies) {
      const problem = recordProblem(path, body);
      if (problem) problems.push(`${path}: ${problem}`);
    }
  }
  return { counts, problems };
}
