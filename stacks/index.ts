/**
 * The Pulumi program (`main` in Pulumi.yaml): `pulumi up --stack <env>` runs this file.
 * Its exports are the stack outputs that users, `make deploy` and the runbooks read.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig, PROJECT } from "./config.js";
import { createStack } from "./program.js";

const projectConfig = new pulumi.Config(PROJECT);
const awsConfig = new pulumi.Config("aws");
const config = loadStackConfig((key) => {
  const [namespace, name] = key.split(":") as [string, string];
  return namespace === "aws" ? awsConfig.get(name) : projectConfig.get(name);
});
const outputs = createStack(config);

export const environment = outputs.environment;
export const region = outputs.region;
export const gatewayUrl = outputs.gatewayUrl;
export const gatewayAccess = outputs.gatewayAccess;
export const stateBucketName = outputs.stateBucketName;
export const backupBucketName = outputs.backupBucketName;
export const backupRegion = outputs.backupRegion;
export const kmsKeyArn = outputs.kmsKeyArn;
export const kmsKeyAlias = outputs.kmsKeyAlias;
export const secretArn = outputs.secretArn;
export const alarmTopicArn = outputs.alarmTopicArn;
export const noticeTopicArn = outputs.noticeTopicArn;
export const autoScalingGroupName = outputs.autoScalingGroupName;
export const rateLimitTableName = outputs.rateLimitTableName;
export const logGroupName = outputs.logGroupName;
export const releaseKey = outputs.releaseKey;
export const gatewayRoleArn = outputs.gatewayRoleArn;
export const backupKmsKeyArn = outputs.backupKmsKeyArn;
export const vpcId = outputs.vpcId;
