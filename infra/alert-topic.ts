import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor, type StackTags } from "./tags.js";

export interface AlertTopicArgs {
  kmsKeyArn: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  /** e-mailed (the subscriber confirms the first mail) */
  email?: string;
  tags: StackTags;
}

/**
 * An SNS topic encrypted with the key, which only CloudWatch alarms and EventBridge rules of this
 * account may publish to, over TLS.
 */
export class AlertTopic extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: AlertTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:AlertTopic", name, {}, opts);
    this.topic = new aws.sns.Topic(
      name,
      { kmsMasterKeyId: args.kmsKeyArn, tags: tagsFor(args.tags, name) },
      { parent: this },
    );
    this.arn = this.topic.arn;
    new aws.sns.TopicPolicy(
      `${name}-policy`,
      {
        arn: this.topic.arn,
        policy: pulumi
          .all([this.topic.arn, args.accountId])
          .apply(([arn, accountId]) => JSON.stringify(alertTopicPolicy(arn, accountId))),
      },
      { parent: this },
    );
    if (args.email) {
      new aws.sns.TopicSubscription(
        `${name}-email`,
        { topic: this.topic.arn, protocol: "email", endpoint: args.email },
        { parent: this },
      );
    }
    this.registerOutputs({ arn: this.arn });
  }
}

export function alertTopicPolicy(topicArn: string, accountId: string) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AlarmsAndEventsPublish",
        Effect: "Allow",
        Principal: { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}
