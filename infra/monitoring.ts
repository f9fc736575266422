import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
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
  "statusCheck" | "cpu" | "alb5xx" | "unhealthyHosts" | "p99Latency" | "authFailures" | "rateLimited";

export interface MonitoringArgs {
  environment: string;
  region: string;
  kmsKeyArn: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  alarmEmail: string;
  autoScalingGroupName: pulumi.Input<string>;
  logGroupName: pulumi.Input<string>;
  alb?: { arnSuffix: pulumi.Input<string>; targetGroupArnSuffix: pulumi.Input<string> };
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
    this.alarmTopic = this.topic(`${name}-alarms`, args);
    this.noticeTopic = this.topic(`${name}-notices`, args);
    new aws.sns.TopicSubscription(
      `${name}-alarms-email`,
      { topic: this.alarmTopic.arn, protocol: "email", endpoint: args.alarmEmail },
      { parent: this },
    );

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

  private topic(name: string, args: MonitoringArgs): aws.sns.Topic {
    const topic = new aws.sns.Topic(
      name,
      { kmsMasterKeyId: args.kmsKeyArn, tags: tagsFor(args.tags, name) },
      { parent: this },
    );
    new aws.sns.TopicPolicy(
      `${name}-policy`,
      {
        arn: topic.arn,
        policy: pulumi.all([topic.arn, args.accountId]).apply(([arn, accountId]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "AlarmsAndEventsPublish",
                Effect: "Allow",
                Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
                Action: "sns:Publish",
                Resource: arn,
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
              },
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "sns:Publish",
                Resource: arn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          }),
        ),
      },
      { parent: this },
    );
    return topic;
  }

  private alarm(name: string, alarm: AlarmName, args: MonitoringArgs, spec: AlarmSpec): void {
    const topic = args.paging.includes(alarm) ? this.alarmTopic : this.noticeTopic;
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
          tags: tagsFor(args.tags, `${name}-${alarm}`, { paging: String(args.paging.includes(alarm)) }),
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
