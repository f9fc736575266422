import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { Document, StackFacts } from "./facts.js";
import type { Call, Who } from "./table.js";

/**
 * The identity policy of a role the stack does not own (deployer, administrators, break-glass at
 * deploy time): assumed to allow everything, so what decides is what the program controls — the
 * key, bucket, secret and topic policies. Roles the program does own use their real documents.
 */
export const ASSUMED_ADMINISTRATOR: Document = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};

export interface Decision {
  result: "allow" | "deny";
  /** how the answer was reached, for the report */
  note: string;
}

const EC = "kms:EncryptionContext:";

/** The principals behind a `Who`, and the identity policy each is evaluated with. */
function principalsOf(
  f: StackFacts,
  who: Who,
): Array<{ arn: string; identity: Document | null; label: string }> {
  const assumed = (arns: string[]) =>
    arns.map((arn) => ({ arn, identity: ASSUMED_ADMINISTRATOR, label: "IAM: Allow * (assumed)" }));
  switch (who) {
    case "break-glass":
      return assumed(f.roles.breakGlass);
    case "break-glass (runbook policy)":
      return f.roles.breakGlass.map((arn) => ({
        arn,
        identity: f.identity.breakGlassRunbooks,
        label: "IAM: the stack's runbook policy",
      }));
    case "deployer":
      return assumed([f.roles.deployer]);
    case "admin":
      return assumed(f.roles.admins);
    case "backup admin":
      return assumed(f.roles.backupAdmins);
    case "gateway":
      return [
        { arn: f.roles.gateway, identity: f.identity.gateway, label: "IAM: the stack's Gateway policy" },
      ];
    case "replication":
      return [
        {
          arn: f.roles.replication!,
          identity: f.identity.replication!,
          label: "IAM: the stack's replication policy",
        },
      ];
    case "auto scaling":
      return [{ arn: f.roles.autoScaling, identity: null, label: "key policy only" }];
    case "cloudwatch":
      return [{ arn: "cloudwatch.amazonaws.com", identity: null, label: "service principal" }];
    case "events":
      return [{ arn: "events.amazonaws.com", identity: null, label: "service principal" }];
  }
}

/** The resource policy that governs a call's resource, from what the program synthesised. */
function resourcePolicyOf(f: StackFacts, resource: string): Document | undefined {
  if (resource === f.key.arn) return f.key.policy;
  if (resource === f.backup?.key.arn) return f.backup.key.policy;
  const bucketOf = (arn: string) => resource === arn || resource.startsWith(`${arn}/`);
  if (bucketOf(f.stateBucket.arn)) return f.stateBucket.policy;
  if (f.backup && bucketOf(f.backup.bucket.arn)) return f.backup.bucket.policy;
  if (resource === f.secret.arn || resource === f.secret.replicaArn) return f.secret.policy;
  if (resource === f.alarmTopic.arn) return f.alarmTopic.policy;
  if (resource === f.backup?.alarmTopic.arn) return f.backup.alarmTopic.policy;
  return undefined;
}

type Conditions = Record<string, Record<string, unknown>>;

/** The simulator gives no decision on kms:EncryptionContext:* keys: take them out, keep them by Sid. */
function withoutEncryptionContext(policy: Document): { policy: Document; removed: Map<string, Conditions> } {
  const removed = new Map<string, Conditions>();
  const Statement = policy.Statement.map((s, i) => {
    const condition = s.Condition as Conditions | undefined;
    if (!condition) return s;
    const kept: Conditions = {};
    const gone: Conditions = {};
    for (const [operator, pairs] of Object.entries(condition)) {
      for (const [key, value] of Object.entries(pairs)) {
        const target = key.startsWith(EC) ? gone : kept;
        (target[operator] ??= {})[key] = value;
      }
    }
    if (Object.keys(gone).length === 0) return s;
    removed.set(String(s.Sid ?? i), gone);
    const { Condition: _, ...rest } = s;
    return Object.keys(kept).length > 0 ? { ...rest, Condition: kept } : rest;
  });
  return { policy: { ...policy, Statement }, removed };
}

const glob = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  ).test(value);

/** Checks the removed encryption-context conditions by hand (StringEquals, StringLike, ArnLike). */
function contextMet(conditions: Conditions, context: Record<string, string>): string | null {
  for (const [operator, pairs] of Object.entries(conditions)) {
    for (const [key, expected] of Object.entries(pairs)) {
      const actual = context[key];
      const patterns = ([] as unknown[]).concat(expected).map(String);
      if (actual === undefined) return `${key} is absent from the request`;
      const like = operator === "StringLike" || operator === "ArnLike";
      if (!["StringEquals", "StringLike", "ArnLike"].includes(operator))
        return `operator ${operator} is not checked here`;
      if (!patterns.some((p) => (like ? glob(p, actual) : p === actual)))
        return `${key} = ${actual} matches none of ${patterns.join(", ")}`;
    }
  }
  return null;
}

/** iam-policy's statement object: its Sid through sid(), its index through index(). */
interface AnalysedStatement {
  sid(): string | undefined;
  index(): number;
}
const sidOf = (s: { statement: unknown }) => {
  const statement = s.statement as AnalysedStatement;
  return statement.sid() ?? String(statement.index());
};

/** Evaluates one call for one principal with iam-simulate (plus the structural context check). */
async function decideFor(
  f: StackFacts,
  call: Call,
  principal: { arn: string; identity: Document | null; label: string },
): Promise<Decision> {
  const original = resourcePolicyOf(f, call.resource);
  const stripped = original ? withoutEncryptionContext(original) : undefined;
  const service = principal.arn.endsWith(".amazonaws.com");
  const contextVariables: Record<string, string> = {
    "aws:SecureTransport": "true",
    ...(service ? {} : { "aws:PrincipalArn": principal.arn }),
  };
  for (const [k, v] of Object.entries(call.context)) if (!k.startsWith(EC)) contextVariables[k] = v;
  const response = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: call.action,
        resource: { resource: call.resource, accountId: f.accountId },
        contextVariables,
      },
      identityPolicies: principal.identity ? [{ name: "identity", policy: principal.identity }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: stripped?.policy,
    },
    {},
  );
  if (response.resultType === "error")
    throw new Error(
      `iam-simulate refused ${call.action} on ${call.resource}: ${JSON.stringify(response.errors)}`,
    );
  // Resource "*" (PutMetricData has no resource-level permissions) comes back as a wildcard result.
  const analysis =
    response.resultType === "single" ? response.result.analysis : response.results[0]?.analysis;
  const where = original ? "key/resource policy" : "identity policy";
  if (response.overallResult !== "Allowed") {
    const denied = response.overallResult === "ExplicitlyDenied";
    const denying = [
      ...(analysis?.resourceAnalysis?.denyStatements ?? []),
      ...(analysis?.identityAnalysis?.denyStatements ?? []),
    ].map(sidOf);
    return {
      result: "deny",
      note: denied
        ? `explicit deny${denying.length ? ` (${denying.join(", ")})` : ""}`
        : `no statement allows it (${principal.label})`,
    };
  }
  // Allowed with the encryption-context conditions taken out: the statements that allowed it must
  // also hold for the request's context, or KMS would refuse.
  const allowing = (analysis?.resourceAnalysis?.allowStatements ?? []).map(sidOf);
  const needsContext = allowing.filter((sid) => stripped?.removed.has(sid));
  if (needsContext.length > 0 && needsContext.length === allowing.length) {
    const problems = needsContext.map((sid) => contextMet(stripped!.removed.get(sid)!, call.context));
    if (problems.every((p) => p !== null))
      return { result: "deny", note: `encryption context not met (checked structurally): ${problems[0]}` };
    return {
      result: "allow",
      note: `${allowing.join(", ")}; encryption context checked structurally (the simulator cannot decide it)`,
    };
  }
  return { result: "allow", note: allowing.length ? `${where}: ${allowing.join(", ")}` : principal.label };
}

/** One decision per call: every principal behind the `Who` must get the same answer. */
export async function decide(f: StackFacts, call: Call): Promise<Decision> {
  const decisions = await Promise.all(principalsOf(f, call.who).map((p) => decideFor(f, call, p)));
  if (decisions.length === 0) throw new Error(`no principal configured for ${call.who}`);
  const differing = decisions.find((d) => d.result !== decisions[0]!.result);
  if (differing) return { result: "deny", note: `the ${call.who} roles disagree: ${differing.note}` };
  return decisions[0]!;
}
