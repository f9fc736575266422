import type { ResourceValidationPolicy } from "@pulumi/policy";
import { asList } from "./documents.js";

/** Operational invariants: encryption of data services, logs, alarms, ingress, tags. */

export const REQUIRED_TAGS = ["project", "environment", "owner"];

/** The taggable resource types this project creates (objects, policies and rules on them carry no tags). */
export const TAGGABLE_TYPES = [
  "aws:kms/key:Key",
  "aws:s3/bucket:Bucket",
  "aws:iam/role:Role",
  "aws:iam/instanceProfile:InstanceProfile",
  "aws:secretsmanager/secret:Secret",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:dynamodb/table:Table",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cloudwatch/eventRule:EventRule",
  "aws:sns/topic:Topic",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/targetGroup:TargetGroup",
  "aws:lb/listener:Listener",
];

export const ALLOWED_TLS_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
];

export const requiredTags: ResourceValidationPolicy = {
  name: "required-tags",
  description: `Taggable resources carry the ${REQUIRED_TAGS.join(", ")} tags.`,
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type === "aws:autoscaling/group:Group") {
      const keys = asList(args.props.tags as Array<{ key: string; propagateAtLaunch?: boolean }>)
        .filter((t) => t.propagateAtLaunch)
        .map((t) => t.key);
      const missing = REQUIRED_TAGS.filter((t) => !keys.includes(t));
      if (missing.length > 0) report(`the group does not propagate tags ${missing.join(", ")}.`);
      return;
    }
    if (!TAGGABLE_TYPES.includes(args.type)) return;
    const tags = (args.props.tags ?? {}) as Record<string, string>;
    const missing = REQUIRED_TAGS.filter((t) => !tags[t]);
    if (missing.length > 0) report(`missing tags: ${missing.join(", ")}.`);
  },
};

export const alarmsNotifySns: ResourceValidationPolicy = {
  name: "alarms-notify-sns",
  description: "Every CloudWatch alarm notifies an SNS topic.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:cloudwatch/metricAlarm:MetricAlarm") return;
    const actions = asList(args.props.alarmActions as string[]);
    if (actions.length === 0 || !actions.every((a) => a.startsWith("arn:aws:sns:")))
      report("the alarm must have SNS topics as alarm actions.");
  },
};

export const eventRulesHaveTargets: ResourceValidationPolicy = {
  name: "event-targets-are-sns",
  description: "Security event rules deliver to an SNS topic.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:cloudwatch/eventTarget:EventTarget") return;
    if (!String(args.props.arn).startsWith("arn:aws:sns:")) report("the event target must be an SNS topic.");
  },
};

export const albTls: ResourceValidationPolicy = {
  name: "alb-tls",
  description:
    "HTTPS listeners use a TLS 1.2+/1.3 policy; HTTP listeners redirect to HTTPS (plain HTTP forwarding only in dev).",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:lb/listener:Listener") return;
    const protocol = args.props.protocol as string | undefined;
    if (protocol === "HTTPS" && !ALLOWED_TLS_POLICIES.includes(args.props.sslPolicy as string))
      report(`TLS policy ${String(args.props.sslPolicy)} is not one of ${ALLOWED_TLS_POLICIES.join(", ")}.`);
    if (protocol === "HTTP") {
      const actions = asList(
        args.props.defaultActions as Array<{ type?: string; redirect?: { protocol?: string } }>,
      );
      const redirects =
        actions.length > 0 && actions.every((a) => a.type === "redirect" && a.redirect?.protocol === "HTTPS");
      const dev = (args.props.tags as Record<string, string> | undefined)?.environment === "dev";
      if (!redirects && !dev) report("the HTTP listener must redirect to HTTPS.");
    }
  },
};

export const albHardening: ResourceValidationPolicy = {
  name: "alb-hardening",
  description: "Load balancers drop invalid header fields and write access logs.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:lb/loadBalancer:LoadBalancer") return;
    if (args.props.dropInvalidHeaderFields !== true) report("dropInvalidHeaderFields must be true.");
    if ((args.props.accessLogs as { enabled?: boolean } | undefined)?.enabled !== true)
      report("access logs must be enabled.");
  },
};

export const dynamoDbEncryption: ResourceValidationPolicy = {
  name: "dynamodb-kms",
  description: "DynamoDB tables are encrypted with a customer managed KMS key.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:dynamodb/table:Table") return;
    const sse = args.props.serverSideEncryption as { enabled?: boolean; kmsKeyArn?: string } | undefined;
    if (sse?.enabled !== true || !sse.kmsKeyArn)
      report("the table must use SSE with a customer managed KMS key.");
  },
};

export const logGroupProtection: ResourceValidationPolicy = {
  name: "log-group-kms-retention",
  description: "Log groups are KMS-encrypted and have a retention.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type !== "aws:cloudwatch/logGroup:LogGroup") return;
    if (!args.props.kmsKeyId) report("the log group must be encrypted with a KMS key.");
    if (!args.props.retentionInDays) report("the log group must have a retention (retentionInDays).");
  },
};

export const encryptedMessagingAndSecrets: ResourceValidationPolicy = {
  name: "sns-and-secrets-kms",
  description: "SNS topics and Secrets Manager secrets are encrypted with a customer managed KMS key.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    if (args.type === "aws:sns/topic:Topic" && !args.props.kmsMasterKeyId)
      report("the topic must set kmsMasterKeyId.");
    if (args.type === "aws:secretsmanager/secret:Secret" && !args.props.kmsKeyId)
      report("the secret must set kmsKeyId (not the AWS managed key).");
  },
};
