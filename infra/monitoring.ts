import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlertTopic } from "./alert-topic.js";
import { METRICS_NAMESPACE } from "./gateway-permissions.js";
import { tagsFor, type StackTags } from "./tags.js";

/**
 * The Gateway logs one pino line per request (app/gateway/middleware/request-log.ts):
 * `{"msg":"request","status":401,"path":...,"key_id":...}`. A refused or missing API key is a 401,
 * a rate-limited request a 429.
 */
export const AUTH_FAILURE_PATTERN = '{ ($.msg = "request") && ($.status = 401) }';
export const RATE_LIMITED_PATTERN = '{ ($.msg = "request") && ($.status = 429) }';

export type AlarmName =
  | "statusCheck"
  | "cpu"
  | "alb5xx"
  | "unhealthyHosts"
  | "p99Latency"
  | "authFailures"
  | "rateLimited"
  | "replicationFailed"
  | "replicationLatency";

/** A backup that stops being made is always worth waking someone for. */
export const ALWAYS_PAGING: AlarmName[] = ["replicationFailed", "replicationLatency"];

/** Seconds a replicated version may lag before on-call hears of it (RTC's promise is 15 minutes). */
export const REPLICATION_LATENCY_SECONDS = 900;

export interface MonitoringArgs {
  environment: string;
  region: string;
  kmsKeyArn: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  alarmEmail: string;
  autoScalingGroupName: pulumi.Input<string>;
  logGroupName: pulumi.Input<string>;
  alb?: { arnSuffix: pulumi.Input<string>; targetGroupArnSuffix: pulumi.Input<string> };
  /** the state bucket's replication (staging, prod): its failures and latency always page */
  replication?: {
    sourceBucket: pulumi.Input<string>;
    destinationBucket: pulumi.Input<string>;
    ruleId: string;
  };
  /** days between scheduled rotations of the admin key and pepper (a reminder pages on-call) */
  secretRotationDays: number;
  thresholds: {
    cpuPercent: number;
    alb5xxPerMinute: number;
    p99LatencySeconds: number;
    authFailuresPer5Minutes: number;
    rateLimitedPer5Minutes: number;
  };
  /** alarms that page (the alarm topic, e-mailed); the others notify the notice topic */
  paging: AlarmName[];
  tags: StackTags;
}

interface AlarmSpec {
  metricName: string;
  namespace: pulumi.Input<string>;
  dimensions: Record<string, pulumi.Input<string>>;
  statistic?: string;
  extendedStatistic?: string;
  threshold: number;
  periodSeconds: number;
  evaluationPeriods: number;
  description: string;
}

/** SNS topics (KMS-encrypted), CloudWatch alarms from AWS and Gateway log metrics, and a dashboard. */
export class Monitoring extends pulumi.ComponentResource {
  readonly alarmTopic: aws.sns.Topic;
  readonly noticeTopic: aws.sns.Topic;
  readonly alarms: aws.cloudwatch.MetricAlarm[] = [];
  readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:Monitoring", name, {}, opts);
    const topic = { kmsKeyArn: args.kmsKeyArn, accountId: args.accountId, tags: args.tags };
    this.alarmTopic = new AlertTopic(
      `${name}-alarms`,
      { ...topic, email: args.alarmEmail },
      { parent: this },
    ).topic;
    this.noticeTopic = new AlertTopic(`${name}-notices`, topic, { parent: this }).topic;

    const namespace = METRICS_NAMESPACE(args.environment);
    for (const [metric, pattern] of [
      ["AuthFailures", AUTH_FAILURE_PATTERN],
      ["RateLimited", RATE_LIMITED_PATTERN],
    ] as const) {
      new aws.cloudwatch.LogMetricFilter(
        `${name}-${metric.toLowerCase()}`,
        {
          logGroupName: args.logGroupName,
          pattern,
          metricTransformation: { name: metric, namespace, value: "1", defaultValue: "0", unit: "Count" },
        },
        { parent: this },
      );
    }

    const asg = { AutoScalingGroupName: args.autoScalingGroupName };
    const t = args.thresholds;
    this.alarm(name, "statusCheck", args, {
      metricName: "StatusCheckFailed",
      namespace: "AWS/EC2",
      dimensions: asg,
      statistic: "Maximum",
      threshold: 0,
      periodSeconds: 60,
      evaluationPeriods: 2,
      description: "an instance or system status check fails",
    });
    this.alarm(name, "cpu", args, {
      metricName: "CPUUtilization",
      namespace: "AWS/EC2",
      dimensions: asg,
      statistic: "Average",
      threshold: t.cpuPercent,
      periodSeconds: 300,
      evaluationPeriods: 3,
      description: `CPU above ${t.cpuPercent}% for 15 minutes`,
    });
    this.alarm(name, "authFailures", args, {
      metricName: "AuthFailures",
      namespace,
      dimensions: {},
      statistic: "Sum",
      threshold: t.authFailuresPer5Minutes,
      periodSeconds: 300,
      evaluationPeriods: 1,
      description: "spike of refused API keys (brute force?)",
    });
    this.alarm(name, "rateLimited", args, {
      metricName: "RateLimited",
      namespace,
      dimensions: {},
      statistic: "Sum",
      threshold: t.rateLimitedPer5Minutes,
      periodSeconds: 300,
      evaluationPeriods: 1,
      description: "spike of 429 answers",
    });
    if (args.alb) {
      const lb = { LoadBalancer: args.alb.arnSuffix };
      const target = { LoadBalancer: args.alb.arnSuffix, TargetGroup: args.alb.targetGroupArnSuffix };
      this.alarm(name, "alb5xx", args, {
        metricName: "HTTPCode_Target_5XX_Count",
        namespace: "AWS/ApplicationELB",
        dimensions: lb,
        statistic: "Sum",
        threshold: t.alb5xxPerMinute,
        periodSeconds: 60,
        evaluationPeriods: 3,
        description: "the Gateway answers 5xx",
      });
      this.alarm(name, "unhealthyHosts", args, {
        metricName: "UnHealthyHostCount",
        namespace: "AWS/ApplicationELB",
        dimensions: target,
        statistic: "Maximum",
        threshold: 0,
        periodSeconds: 60,
        evaluationPeriods: 3,
        description: "a Gateway host fails the ALB health check",
      });
      this.alarm(name, "p99Latency", args, {
        metricName: "TargetResponseTime",
        namespace: "AWS/ApplicationELB",
        dimensions: lb,
        extendedStatistic: "p99",
        threshold: t.p99LatencySeconds,
        periodSeconds: 300,
        evaluationPeriods: 2,
        description: `p99 latency above ${t.p99LatencySeconds}s`,
      });
    }
    if (args.replication) {
      const r = args.replication;
      const replication = {
        SourceBucket: r.sourceBucket,
        DestinationBucket: r.destinationBucket,
        RuleId: r.ruleId,
      };
      this.alarm(name, "replicationFailed", args, {
        metricName: "OperationsFailedReplication",
        namespace: "AWS/S3",
        dimensions: replication,
        statistic: "Sum",
        threshold: 0,
        periodSeconds: 300,
        evaluationPeriods: 1,
        description: "a state version failed to replicate to the backup region",
      });
      this.alarm(name, "replicationLatency", args, {
        metricName: "ReplicationLatency",
        namespace: "AWS/S3",
        dimensions: replication,
        statistic: "Maximum",
        threshold: REPLICATION_LATENCY_SECONDS,
        periodSeconds: 300,
        evaluationPeriods: 2,
        description: `replication to the backup region lags more than ${REPLICATION_LATENCY_SECONDS / 60} minutes`,
      });
    }
    this.scheduleSecretRotation(name, args);
    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: `codequery-${args.environment}`,
        dashboardBody: pulumi.jsonStringify({ widgets: dashboardWidgets(this.alarms, args, namespace) }),
      },
      { parent: this },
    );
    this.registerOutputs({ alarmTopicArn: this.alarmTopic.arn, noticeTopicArn: this.noticeTopic.arn });
  }

  /**
   * The admin key and pepper are rotated by hand (runbooks/rotate-admin-secret.md): a schedule pages
   * on-call every `secretRotationDays`, so their age is bounded by the rotation procedure.
   */
  private scheduleSecretRotation(name: string, args: MonitoringArgs): void {
    const rule = new aws.cloudwatch.EventRule(
      `${name}-secret-rotation-due`,
      {
        description: `CodeQuery ${args.environment}: the admin key and pepper are due for rotation`,
        scheduleExpression: `rate(${args.secretRotationDays} days)`,
        tags: tagsFor(args.tags, `${name}-secret-rotation-due`),
      },
      { parent: this },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-secret-rotation-due`,
      {
        rule: rule.name,
        arn: this.alarmTopic.arn,
        input: JSON.stringify({
          alarm: `codequery-${args.environment}: admin key and pepper are ${args.secretRotationDays} days old`,
          action: `make rotate-admin-secret ENV=${args.environment} ARGS='--admin --pepper' (runbooks/rotate-admin-secret.md)`,
        }),
      },
      { parent: this },
    );
  }

  private alarm(name: string, alarm: AlarmName, args: MonitoringArgs, spec: AlarmSpec): void {
    const pages = args.paging.includes(alarm) || ALWAYS_PAGING.includes(alarm);
    const topic = pages ? this.alarmTopic : this.noticeTopic;
    this.alarms.push(
      new aws.cloudwatch.MetricAlarm(
        `${name}-${alarm}`,
        {
          alarmDescription: `CodeQuery ${args.environment}: ${spec.description}`,
          comparisonOperator: "GreaterThanThreshold",
          metricName: spec.metricName,
          namespace: spec.namespace,
          dimensions: spec.dimensions,
          statistic: spec.statistic,
          extendedStatistic: spec.extendedStatistic,
          threshold: spec.threshold,
          period: spec.periodSeconds,
          evaluationPeriods: spec.evaluationPeriods,
          treatMissingData: "notBreaching",
          alarmActions: [topic.arn],
          okActions: [topic.arn],
          tags: tagsFor(args.tags, `${name}-${alarm}`, { paging: String(pages) }),
        },
        { parent: this },
      ),
    );
  }
}

/** Alarms on top; then host CPU, Gateway auth failures and 429s, and (with an ALB) traffic, 5xx, p99. */
function dashboardWidgets(alarms: aws.cloudwatch.MetricAlarm[], args: MonitoringArgs, namespace: string) {
  const graph = (title: string, metrics: unknown[][], x: number, y: number, stat = "Sum") => ({
    type: "metric",
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, metrics, stat, period: 300, region: args.region, view: "timeSeries" },
  });
  const widgets: unknown[] = [
    {
      type: "alarm",
      x: 0,
      y: 0,
      width: 24,
      height: 4,
      properties: { title: "CodeQuery alarms", alarms: alarms.map((a) => a.arn) },
    },
    graph(
      "Host CPU %",
      [["AWS/EC2", "CPUUtilization", "AutoScalingGroupName", args.autoScalingGroupName]],
      0,
      4,
      "Average",
    ),
    graph(
      "Auth failures and rate-limited requests",
      [
        [namespace, "AuthFailures"],
        [namespace, "RateLimited"],
      ],
      12,
      4,
    ),
  ];
  if (args.alb) {
    const lb = ["LoadBalancer", args.alb.arnSuffix];
    widgets.push(
      graph(
        "Requests and 5xx",
        [
          ["AWS/ApplicationELB", "RequestCount", ...lb],
          ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", ...lb],
          ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", ...lb],
        ],
        0,
        10,
      ),
      graph(
        "Target response time p99 (s)",
        [["AWS/ApplicationELB", "TargetResponseTime", ...lb]],
        12,
        10,
        "p99",
      ),
    );
  }
  return widgets;
}
