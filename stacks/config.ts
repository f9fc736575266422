import { z } from "zod";

/**
 * The stack configuration (`Pulumi.<env>.yaml`), validated once at program start. Every key lives
 * under the project namespace `codequery:` except the region, which the AWS provider reads as
 * `aws:region`. Pulumi hands structured values (lists, objects) to programs as JSON strings.
 */

export const PROJECT = "codequery";
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Alarms that can page (notify the on-call topic) instead of only showing on the dashboard. */
export const PAGEABLE_ALARMS = [
  "statusCheck",
  "cpu",
  "alb5xx",
  "unhealthyHosts",
  "p99Latency",
  "authFailures",
  "rateLimited",
] as const;
export type PageableAlarm = (typeof PAGEABLE_ALARMS)[number];

/** Thrown when a setting is missing or wrong; the message names the key (`codequery:alarmEmail: ...`). */
export class StackConfigError extends Error {
  override name = "StackConfigError";
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const CERT_ARN = /^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/;

const fromString = <T extends z.ZodType>(inner: T, parse: (raw: string) => unknown, what: string) =>
  z.preprocess((raw, ctx) => {
    if (typeof raw !== "string") return raw;
    try {
      return parse(raw);
    } catch {
      ctx.addIssue({ code: "custom", message: `expected ${what}, got "${raw}"` });
      return z.NEVER;
    }
  }, inner);

const wholeNumber = (min: number, max: number) =>
  fromString(
    z
      .number({ error: `expected a whole number from ${min} to ${max}` })
      .int(`expected a whole number from ${min} to ${max}`)
      .min(min, `expected a whole number from ${min} to ${max}`)
      .max(max, `expected a whole number from ${min} to ${max}`),
    (raw) => (raw.trim() === "" ? undefined : Number(raw)),
    `a whole number from ${min} to ${max}`,
  );

const bool = (defaultValue: boolean) =>
  fromString(
    z.boolean({ error: "expected true or false" }).default(defaultValue),
    (raw) => {
      if (raw === "true") return true;
      if (raw === "false") return false;
      return raw;
    },
    "true or false",
  );

const json = <T extends z.ZodType>(inner: T, what: string) =>
  fromString(inner, (raw) => JSON.parse(raw) as unknown, what);

const roleArn = z
  .string({ error: "expected an IAM role ARN" })
  .regex(ROLE_ARN, "expected an IAM role ARN like arn:aws:iam::123456789012:role/name");

const alarmsSchema = z.object({
  cpuPercent: z.number().min(1).max(100),
  alb5xxPerMinute: z.number().int().min(1),
  p99LatencySeconds: z.number().positive(),
  authFailuresPer5Minutes: z.number().int().min(1),
  rateLimitedPer5Minutes: z.number().int().min(1),
  paging: z.array(z.enum(PAGEABLE_ALARMS)).default(["statusCheck"]),
});

const schema = z
  .object({
    "aws:region": z
      .string({ error: "is required (e.g. us-east-1)" })
      .regex(REGION, "expected an AWS region like us-east-1"),
    environment: z.enum(ENVIRONMENTS, { error: "expected dev, staging or prod" }),
    owner: z.string({ error: "is required (team that owns the stack, used as the owner tag)" }).min(1),
    backupRegion: z
      .string({ error: "is required (e.g. us-west-2)" })
      .regex(REGION, "expected an AWS region like us-west-2"),
    instanceType: z
      .string({ error: "is required (e.g. t3.small)" })
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "expected an EC2 instance type like t3.small"),
    minInstances: wholeNumber(1, 20),
    maxInstances: wholeNumber(1, 20),
    alarmEmail: z.email({ error: "expected an e-mail address for alarm notifications" }),
    retentionDays: wholeNumber(1, 3650),
    logRetentionDays: fromString(
      z.union(
        [
          1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
          3653,
        ].map((n) => z.literal(n)),
        {
          error:
            "expected a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ... days)",
        },
      ),
      (raw) => Number(raw),
      "a number of days",
    ),
    kmsRotationPeriodDays: wholeNumber(90, 2560),
    kmsDeletionWindowDays: wholeNumber(7, 30),
    adminRoleArns: json(
      z
        .array(roleArn, { error: "expected a list of IAM role ARNs" })
        .min(1, "expected at least one IAM role ARN"),
      "a list of IAM role ARNs",
    ),
    breakGlassRoleArns: json(
      z
        .array(roleArn, { error: "expected a list of IAM role ARNs" })
        .min(2, "expected at least two break-glass roles: losing one must not lock the key")
        .refine((arns) => new Set(arns).size === arns.length, "expected distinct roles"),
      "a list of IAM role ARNs",
    ),
    deployerRoleArn: roleArn,
    backupAdminRoleArns: json(
      z
        .array(roleArn, { error: "expected a list of IAM role ARNs" })
        .min(1, "expected at least one IAM role ARN"),
      "a list of IAM role ARNs",
    ).optional(),
    backupRetentionDays: wholeNumber(1, 3650).optional(),
    vpcCidr: z.cidrv4({ error: "expected an IPv4 CIDR like 10.20.0.0/16" }).default("10.20.0.0/16"),
    secretRotationDays: wholeNumber(7, 365).default(90),
    domain: z
      .string()
      .regex(
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$/,
        "expected a DNS name like gateway.example.com",
      )
      .optional(),
    certificateArn: z.string().regex(CERT_ARN, "expected an ACM certificate ARN").optional(),
    sshCidr: z.cidrv4({ error: "expected an IPv4 CIDR like 203.0.113.10/32" }).optional(),
    hostedCore: bool(false),
    enableAlb: bool(false),
    detailedMonitoring: bool(false),
    artifactPath: z.string().min(1).default("dist/release/codequery-release.tar.gz"),
    alarms: json(alarmsSchema, "an object of alarm thresholds"),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (c.maxInstances < c.minInstances)
      issue("maxInstances", `must be at least minInstances (${c.minInstances})`);
    if (c.environment === "prod" && c.minInstances < 2)
      issue("minInstances", "prod needs at least 2 instances (two availability zones)");
    if (c.environment === "prod" && !c.certificateArn)
      issue("certificateArn", "prod requires an ACM certificate ARN (HTTPS on the load balancer)");
    if (c.environment !== "dev" && c.sshCidr)
      issue("sshCidr", "SSH is allowed in dev only; use SSM Session Manager");
    if (c.sshCidr === "0.0.0.0/0")
      issue("sshCidr", "refusing SSH from the whole internet; give your own address (/32)");
    if (c.backupRegion === c["aws:region"])
      issue("backupRegion", "must differ from aws:region (backups survive a regional outage)");
    if (c.certificateArn && !c.certificateArn.startsWith(`arn:aws:acm:${c["aws:region"]}:`)) {
      issue("certificateArn", `the certificate must be in the stack's region (${c["aws:region"]})`);
    }
    if (c.domain && !c.certificateArn) issue("certificateArn", "a domain needs a certificate for HTTPS");
    if (c.adminRoleArns.includes(c.deployerRoleArn)) {
      issue(
        "deployerRoleArn",
        "must not be one of adminRoleArns: administrators may not use the key, and the deployer uploads the encrypted release",
      );
    }
    const distinct = (key: string, roles: string[], others: string[], why: string) => {
      if (roles.some((r) => others.includes(r))) issue(key, why);
    };
    distinct(
      "breakGlassRoleArns",
      c.breakGlassRoleArns,
      [...c.adminRoleArns, c.deployerRoleArn],
      "must not include an administrator or the deployer role (break-glass stays a separate identity)",
    );
    if (c.environment !== "dev") {
      if (!c.backupAdminRoleArns)
        issue(
          "backupAdminRoleArns",
          "is required in staging and prod (the backup region's own administrators)",
        );
      else
        distinct(
          "backupAdminRoleArns",
          c.backupAdminRoleArns,
          [...c.adminRoleArns, c.deployerRoleArn],
          "must differ from adminRoleArns and deployerRoleArn: one stolen role must not control both regions",
        );
      if (!c.backupRetentionDays)
        issue(
          "backupRetentionDays",
          "is required in staging and prod (Object Lock retention of the backup copy)",
        );
    }
    const mask = Number(c.vpcCidr.split("/")[1]);
    if (mask > 20)
      issue("vpcCidr", "expected a /16 to /20 network (four /22 subnets or larger are carved from it)");
  });

type ParsedConfig = z.output<typeof schema>;

export interface StackConfig extends Omit<ParsedConfig, "aws:region"> {
  region: string;
  /** ALB in front: always in staging and prod, optional in dev */
  albEnabled: boolean;
  /** cross-region replication of the state bucket (staging, prod) */
  replicationEnabled: boolean;
  /** Object Lock mode of the backup copy: COMPLIANCE in prod (nobody can shorten it), GOVERNANCE elsewhere */
  backupLockMode: "COMPLIANCE" | "GOVERNANCE";
  /** prod keeps its stateful resources through a destroy or a replacement (protect + retainOnDelete) */
  protectState: boolean;
  tags: { project: string; environment: Environment; owner: string };
}

/** The keys the program reads; `aws:region` stays fully qualified, the rest are under `codequery:`. */
export const CONFIG_KEYS = Object.keys(schema.shape) as Array<keyof typeof schema.shape>;

function qualified(key: string): string {
  return key.includes(":") ? key : `${PROJECT}:${key}`;
}

/**
 * Reads and validates the stack config. `read` takes a fully qualified key (`codequery:owner`,
 * `aws:region`) and returns its raw string value or undefined.
 */
export function loadStackConfig(read: (qualifiedKey: string) => string | undefined): StackConfig {
  const raw: Record<string, string | undefined> = {};
  for (const key of CONFIG_KEYS) raw[key] = read(qualified(key));
  const result = schema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const [first, ...rest] = issue.path.map(String);
      const name = first ? [qualified(first), ...rest].join(".") : "(stack config)";
      const missing =
        issue.code === "invalid_type" &&
        issue.path.length === 1 &&
        first !== undefined &&
        raw[first] === undefined;
      const message =
        missing && !issue.message.startsWith("is required")
          ? `is required (${issue.message})`
          : issue.message;
      return `${name}: ${message}`;
    });
    throw new StackConfigError(`Invalid stack configuration: ${problems.join("; ")}`);
  }
  const { "aws:region": region, ...rest } = result.data;
  const albEnabled = rest.environment !== "dev" || rest.enableAlb;
  return {
    ...rest,
    region,
    albEnabled,
    replicationEnabled: rest.environment !== "dev",
    backupLockMode: rest.environment === "prod" ? "COMPLIANCE" : "GOVERNANCE",
    protectState: rest.environment === "prod",
    tags: { project: PROJECT, environment: rest.environment, owner: rest.owner },
  };
}
