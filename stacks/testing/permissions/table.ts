import type { StackFacts } from "./facts.js";

/**
 * Who calls what, job by job: every AWS call each principal makes, and the answer it must get.
 * One row per IAM action a call needs (an SSE-KMS upload needs s3:PutObject from the caller and a
 * KMS action that S3 makes on the caller's behalf). A change to the program or a runbook that
 * breaks a job, or opens a door, fails one line of this table.
 */

export type Who =
  | "break-glass"
  | "break-glass (runbook policy)"
  | "deployer"
  | "admin"
  | "backup admin"
  | "gateway"
  | "replication"
  | "auto scaling"
  | "cloudwatch"
  | "events";

export interface Call {
  job: string;
  who: Who;
  /** the API call as the provider, SDK or service makes it */
  call: string;
  action: string;
  resource: string;
  context: Record<string, string>;
  expect: "allow" | "deny";
}

/** A 16.5 MiB release goes up in 5 MiB parts (CreateMultipartUpload, 4 × UploadPart, Complete). */
export const RELEASE_BYTES = 16.5 * 1024 * 1024;

export function permissionTable(f: StackFacts): Call[] {
  const rows: Call[] = [];
  const job =
    (name: string, who: Who) =>
    (call: string, action: string, resource: string, expect: "allow" | "deny", context = {}) =>
      rows.push({ job: name, who, call, action, resource, context, expect });

  const state = f.stateBucket.arn;
  const obj = (path: string) => `${state}/${path}`;
  const record = obj("keys/k_0123.json");
  const release = obj(f.releaseKey);
  const via = (service: string, region = f.region) => ({
    "kms:ViaService": `${service}.${region}.amazonaws.com`,
  });
  const viaS3 = (bucketArn: string, region = f.region) => ({
    ...via("s3", region),
    "kms:EncryptionContext:aws:s3:arn": bucketArn,
  });
  const sse = (keyArn: string) => ({
    "s3:x-amz-server-side-encryption": "aws:kms",
    "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn,
  });
  const viaSecrets = (secretArn: string, region = f.region) => ({
    ...via("secretsmanager", region),
    "kms:EncryptionContext:SecretARN": secretArn,
  });
  const viaTable = { ...via("dynamodb"), "kms:EncryptionContext:aws:dynamodb:tableName": f.table.name };
  const forAws = (yes: boolean) => ({ "kms:GrantIsForAWSResource": String(yes) });
  const key = f.key.arn;
  const b = f.backup;

  let c = job("first deploy of a fresh account", "break-glass");
  c("KMS CreateKey (lockout check: may the caller PutKeyPolicy?)", "kms:PutKeyPolicy", key, "allow");
  c("KMS EnableKeyRotation (provider, after CreateKey)", "kms:EnableKeyRotation", key, "allow");
  c("KMS CreateAlias", "kms:CreateAlias", key, "allow");
  c("KMS TagResource", "kms:TagResource", key, "allow");
  c("KMS DescribeKey / GetKeyPolicy (provider read)", "kms:GetKeyPolicy", key, "allow");
  c("KMS GetKeyRotationStatus (provider read)", "kms:GetKeyRotationStatus", key, "allow");
  c("DynamoDB CreateTable (SSE-KMS): grant", "kms:CreateGrant", key, "allow", {
    ...via("dynamodb"),
    ...forAws(true),
  });
  c("DynamoDB CreateTable (SSE-KMS): describe", "kms:DescribeKey", key, "allow", via("dynamodb"));
  c("S3 CreateMultipartUpload (release)", "s3:PutObject", release, "allow", sse(key));
  c("S3 CreateMultipartUpload (release)", "kms:GenerateDataKey", key, "allow", viaS3(state));
  c("S3 UploadPart (release)", "kms:Decrypt", key, "allow", viaS3(state));
  if (b) {
    c("KMS CreateKey, backup key (lockout check)", "kms:PutKeyPolicy", b.key.arn, "allow");
    c("KMS EnableKeyRotation, backup key", "kms:EnableKeyRotation", b.key.arn, "allow");
    c("KMS CreateAlias, backup key", "kms:CreateAlias", b.key.arn, "allow");
    c(
      "S3 PutObjectLockConfiguration, backup bucket",
      "s3:PutBucketObjectLockConfiguration",
      b.bucket.arn,
      "allow",
    );
    c("S3 PutLifecycleConfiguration, backup bucket", "s3:PutLifecycleConfiguration", b.bucket.arn, "allow");
    c("S3 PutBucketPolicy, backup bucket (last)", "s3:PutBucketPolicy", b.bucket.arn, "allow");
    c("Secrets Manager CreateSecret with replica: backup key", "kms:DescribeKey", b.key.arn, "allow");
  }

  c = job("routine deploy (make deploy)", "deployer");
  c("S3 CreateMultipartUpload (release, 16.5 MiB)", "s3:PutObject", release, "allow", sse(key));
  c("S3 CreateMultipartUpload (release, 16.5 MiB)", "kms:GenerateDataKey", key, "allow", viaS3(state));
  c("S3 UploadPart × 4 (release)", "kms:Decrypt", key, "allow", viaS3(state));
  c("S3 CompleteMultipartUpload (release)", "s3:PutObject", release, "allow", sse(key));
  c("DynamoDB UpdateTable (SSE-KMS): grant", "kms:CreateGrant", key, "allow", {
    ...via("dynamodb"),
    ...forAws(true),
  });
  c("KMS DescribeKey (provider read)", "kms:DescribeKey", key, "allow");
  c("KMS PutKeyPolicy (a key-policy change is a break-glass deploy)", "kms:PutKeyPolicy", key, "deny");
  c("KMS ScheduleKeyDeletion", "kms:ScheduleKeyDeletion", key, "deny");
  c("KMS DisableKey", "kms:DisableKey", key, "deny");
  c("KMS Decrypt outside S3", "kms:Decrypt", key, "deny");
  c("KMS CreateGrant for itself", "kms:CreateGrant", key, "deny", { ...via("dynamodb"), ...forAws(false) });
  c("Secrets Manager GetSecretValue", "secretsmanager:GetSecretValue", f.secret.arn, "deny");
  c("Secrets Manager DeleteSecret", "secretsmanager:DeleteSecret", f.secret.arn, "deny");
  if (b) {
    c("S3 PutLifecycleConfiguration, backup bucket", "s3:PutLifecycleConfiguration", b.bucket.arn, "deny");
    c(
      "S3 DeleteObjectVersion, backup copy",
      "s3:DeleteObjectVersion",
      `${b.bucket.arn}/keys/k_0123.json`,
      "deny",
    );
    c("KMS ScheduleKeyDeletion, backup key", "kms:ScheduleKeyDeletion", b.key.arn, "deny");
  }

  c = job("Auto Scaling launches a host (encrypted gp3 root)", "auto scaling");
  c("EC2 RunInstances: volume grant", "kms:CreateGrant", key, "allow", { ...via("ec2"), ...forAws(true) });
  c("EC2 RunInstances: data key", "kms:GenerateDataKeyWithoutPlaintext", key, "allow", via("ec2"));
  c("EC2 attach volume", "kms:Decrypt", key, "allow", via("ec2"));

  c = job("Gateway at runtime", "gateway");
  c("S3 GetObject keys/…", "s3:GetObject", record, "allow");
  c("S3 GetObject keys/… (SSE-KMS)", "kms:Decrypt", key, "allow", viaS3(state));
  c("S3 PutObject keys/… (If-Match)", "s3:PutObject", record, "allow", sse(key));
  c("S3 PutObject keys/… (SSE-KMS)", "kms:GenerateDataKey", key, "allow", viaS3(state));
  c("S3 DeleteObject tunnels/…", "s3:DeleteObject", obj("tunnels/k_0123.json"), "allow");
  c("S3 ListObjectsV2 keys/", "s3:ListBucket", state, "allow", { "s3:prefix": "keys/" });
  c("S3 PutObject audit/… (append)", "s3:PutObject", obj("audit/2026/12/01/r.json"), "allow", sse(key));
  c("S3 GetObject releases/… (boot)", "s3:GetObject", release, "allow");
  c("Secrets Manager GetSecretValue", "secretsmanager:GetSecretValue", f.secret.arn, "allow");
  c("Secrets Manager GetSecretValue (SSE-KMS)", "kms:Decrypt", key, "allow", viaSecrets(f.secret.arn));
  c("DynamoDB UpdateItem (rate limits)", "dynamodb:UpdateItem", f.table.arn, "allow");
  c("DynamoDB UpdateItem (SSE-KMS)", "kms:Decrypt", key, "allow", viaTable);
  c("CloudWatch Logs PutLogEvents", "logs:PutLogEvents", `${f.logGroupArn}:log-stream:i-0abc`, "allow");
  c("CloudWatch PutMetricData", "cloudwatch:PutMetricData", "*", "allow", {
    "cloudwatch:namespace": f.metricsNamespace,
  });
  c("KMS DescribeKey", "kms:DescribeKey", key, "allow");
  c("S3 GetObject audit/… (read the trail back)", "s3:GetObject", obj("audit/2026/12/01/r.json"), "deny");
  c("S3 DeleteObject audit/…", "s3:DeleteObject", obj("audit/2026/12/01/r.json"), "deny");
  c("S3 DeleteObjectVersion keys/… (erase history)", "s3:DeleteObjectVersion", record, "deny");
  c("S3 PutObject releases/… (plant a release)", "s3:PutObject", release, "deny", sse(key));
  c("S3 PutBucketVersioning (suspend history)", "s3:PutBucketVersioning", state, "deny");
  c("KMS Decrypt outside a service", "kms:Decrypt", key, "deny");
  c(
    "KMS Decrypt through S3 for another bucket",
    "kms:Decrypt",
    key,
    "deny",
    viaS3("arn:aws:s3:::someone-elses-bucket"),
  );
  c("Secrets Manager PutSecretValue", "secretsmanager:PutSecretValue", f.secret.arn, "deny");
  c("CloudWatch PutMetricData, another namespace", "cloudwatch:PutMetricData", "*", "deny", {
    "cloudwatch:namespace": "AWS/EC2",
  });
  c("KMS DisableKey", "kms:DisableKey", key, "deny");
  c("KMS ScheduleKeyDeletion", "kms:ScheduleKeyDeletion", key, "deny");
  if (b && f.secret.replicaArn) {
    c(
      "Secrets Manager GetSecretValue, replica (failover)",
      "secretsmanager:GetSecretValue",
      f.secret.replicaArn,
      "allow",
    );
    c(
      "Secrets Manager replica (SSE-KMS, backup key)",
      "kms:Decrypt",
      b.key.arn,
      "allow",
      viaSecrets(f.secret.replicaArn, b.region),
    );
    c("S3 GetObject, backup copy", "s3:GetObject", `${b.bucket.arn}/keys/k_0123.json`, "deny");
  }

  c = job("runbook rotate-kms-key", "admin");
  c("KMS GetKeyRotationStatus", "kms:GetKeyRotationStatus", key, "allow");
  c("KMS ListKeyRotations", "kms:ListKeyRotations", key, "allow");
  c("KMS EnableKeyRotation", "kms:EnableKeyRotation", key, "allow");
  c("KMS RotateKeyOnDemand", "kms:RotateKeyOnDemand", key, "allow");
  // Administrators may not use the key for data, so not for an encrypted audit record either:
  // CloudTrail records the rotation, and the runbook says so instead of failing.
  c("S3 PutObject audit/… (SSE-KMS)", "kms:GenerateDataKey", key, "deny", viaS3(state));

  c = job("runbook rotate-admin-secret", "break-glass (runbook policy)");
  c("Secrets Manager GetSecretValue", "secretsmanager:GetSecretValue", f.secret.arn, "allow");
  c("Secrets Manager DescribeSecret", "secretsmanager:DescribeSecret", f.secret.arn, "allow");
  c("Secrets Manager PutSecretValue", "secretsmanager:PutSecretValue", f.secret.arn, "allow");
  c(
    "Secrets Manager PutSecretValue (SSE-KMS)",
    "kms:GenerateDataKey",
    key,
    "allow",
    viaSecrets(f.secret.arn),
  );
  c("Secrets Manager GetSecretValue (SSE-KMS)", "kms:Decrypt", key, "allow", viaSecrets(f.secret.arn));
  if (b && f.secret.replicaArn)
    c(
      "replica re-encrypted under the backup key",
      "kms:GenerateDataKey",
      b.key.arn,
      "allow",
      viaSecrets(f.secret.replicaArn, b.region),
    );
  c("S3 PutObject audit/…", "s3:PutObject", obj("audit/2026/12/01/r.json"), "allow", sse(key));
  c("S3 PutObject audit/… (SSE-KMS)", "kms:GenerateDataKey", key, "allow", viaS3(state));
  c("Secrets Manager DeleteSecret", "secretsmanager:DeleteSecret", f.secret.arn, "deny");

  c = job("runbook restore --at (object versions)", "break-glass (runbook policy)");
  c("S3 ListObjectVersions keys/", "s3:ListBucketVersions", state, "allow", { "s3:prefix": "keys/" });
  c("S3 GetObject ?versionId (compare)", "s3:GetObjectVersion", record, "allow");
  c("S3 GetObject (SSE-KMS)", "kms:Decrypt", key, "allow", viaS3(state));
  c("S3 CopyObject (old version → new version)", "s3:PutObject", record, "allow", sse(key));
  c("S3 CopyObject (SSE-KMS)", "kms:GenerateDataKey", key, "allow", viaS3(state));
  c("S3 DeleteObject (delete marker)", "s3:DeleteObject", record, "allow");
  c("S3 GetObject (verify)", "s3:GetObject", record, "allow");
  c("S3 PutObject audit/…", "s3:PutObject", obj("audit/2026/12/01/r.json"), "allow", sse(key));
  c("S3 DeleteObjectVersion (history is never deleted)", "s3:DeleteObjectVersion", record, "deny");

  if (b) {
    const copy = `${b.bucket.arn}/keys/k_0123.json`;
    c = job("runbook restore --from-backup", "break-glass (runbook policy)");
    c("S3 ListObjectVersions keys/, backup", "s3:ListBucketVersions", b.bucket.arn, "allow", {
      "s3:prefix": "keys/",
    });
    c("S3 GetObject ?versionId, backup", "s3:GetObjectVersion", copy, "allow");
    c(
      "S3 GetObject, backup (SSE-KMS, backup region)",
      "kms:Decrypt",
      b.key.arn,
      "allow",
      viaS3(b.bucket.arn, b.region),
    );
    c(
      "S3 CopyObject backup → state (source decrypted)",
      "kms:Decrypt",
      b.key.arn,
      "allow",
      viaS3(b.bucket.arn),
    );
    c("S3 CopyObject backup → state", "s3:PutObject", record, "allow", sse(key));
    c("S3 CopyObject (SSE-KMS, primary key)", "kms:GenerateDataKey", key, "allow", viaS3(state));
    c("S3 DeleteObjectVersion, backup copy", "s3:DeleteObjectVersion", copy, "deny");

    c = job("S3 replication to the backup region", "replication");
    c("read source version", "s3:GetObjectVersionForReplication", record, "allow");
    c("read source version (SSE-KMS)", "kms:Decrypt", key, "allow", viaS3(state));
    c("write replica", "s3:ReplicateObject", copy, "allow");
    c(
      "write replica (SSE-KMS, backup key)",
      "kms:GenerateDataKey",
      b.key.arn,
      "allow",
      viaS3(b.bucket.arn, b.region),
    );
    c("replicate a delete", "s3:ReplicateDelete", copy, "deny");
    c("delete a backup version", "s3:DeleteObjectVersion", copy, "deny");
  }

  c = job("runbook release (make deploy per stage)", "deployer");
  c("S3 CreateMultipartUpload (release)", "s3:PutObject", release, "allow", sse(key));
  c("S3 CreateMultipartUpload (release)", "kms:GenerateDataKey", key, "allow", viaS3(state));
  c("S3 UploadPart (release)", "kms:Decrypt", key, "allow", viaS3(state));

  const topic = (t: { arn: string }, keyArn: string, region: string, who: "cloudwatch" | "events") => {
    c = job("alarms and security events notify on-call", who);
    c(`SNS Publish (${region})`, "sns:Publish", t.arn, "allow", { "aws:SourceAccount": f.accountId });
    c(`SNS Publish, encrypted topic (${region})`, "kms:GenerateDataKey", keyArn, "allow", {
      "aws:SourceAccount": f.accountId,
      "kms:EncryptionContext:aws:sns:topicArn": t.arn,
    });
  };
  topic(f.alarmTopic, key, f.region, "cloudwatch");
  topic(f.alarmTopic, key, f.region, "events");
  if (b) topic(b.alarmTopic, b.key.arn, b.region, "events");

  c = job("denials that matter", "admin");
  for (const action of ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"])
    c(`KMS ${action.slice(4)} through S3 (data)`, action, key, "deny", viaS3(state));
  for (const action of ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"])
    c(`KMS ${action.slice(4)}`, action, key, "deny");
  c("Secrets Manager GetSecretValue", "secretsmanager:GetSecretValue", f.secret.arn, "deny");
  if (b) {
    c("KMS ScheduleKeyDeletion, backup key", "kms:ScheduleKeyDeletion", b.key.arn, "deny");
    c("KMS DisableKey, backup key", "kms:DisableKey", b.key.arn, "deny");
    c("S3 PutBucketPolicy, backup bucket", "s3:PutBucketPolicy", b.bucket.arn, "deny");
    c("S3 PutLifecycleConfiguration, backup bucket", "s3:PutLifecycleConfiguration", b.bucket.arn, "deny");
    c(
      "S3 BypassGovernanceRetention, backup copy",
      "s3:BypassGovernanceRetention",
      `${b.bucket.arn}/keys/k_0123.json`,
      "deny",
    );
    c(
      "S3 DeleteObjectVersion, backup copy",
      "s3:DeleteObjectVersion",
      `${b.bucket.arn}/keys/k_0123.json`,
      "deny",
    );

    c = job("denials that matter", "backup admin");
    c(
      "S3 PutLifecycleConfiguration, backup bucket (their job)",
      "s3:PutLifecycleConfiguration",
      b.bucket.arn,
      "allow",
    );
    c("KMS EnableKeyRotation, backup key (their job)", "kms:EnableKeyRotation", b.key.arn, "allow");
    c("KMS ScheduleKeyDeletion, backup key", "kms:ScheduleKeyDeletion", b.key.arn, "deny");
    c("KMS Decrypt, backup copy", "kms:Decrypt", b.key.arn, "deny", viaS3(b.bucket.arn, b.region));
    c("KMS DisableKey, primary key", "kms:DisableKey", key, "deny");
    c("KMS PutKeyPolicy, primary key", "kms:PutKeyPolicy", key, "deny");
  }

  c = job("denials that matter", "break-glass");
  c("KMS ScheduleKeyDeletion (break-glass only)", "kms:ScheduleKeyDeletion", key, "allow");
  c("KMS DisableKey (break-glass only)", "kms:DisableKey", key, "allow");
  c("KMS CreateGrant for a person", "kms:CreateGrant", key, "deny", forAws(false));
  return rows;
}
