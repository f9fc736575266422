import type { RecordedResource, StackRun } from "../run-stack.js";

/** A policy document as the program synthesised it. */
export type Document = { Version: string; Statement: Array<Record<string, unknown>> };

/** The resolved names, ARNs and documents of one stack, as the permission table needs them. */
export interface StackFacts {
  env: string;
  accountId: string;
  region: string;
  roles: {
    gateway: string;
    deployer: string;
    breakGlass: string[];
    admins: string[];
    backupAdmins: string[];
    replication?: string;
    autoScaling: string;
  };
  key: { arn: string; policy: Document };
  stateBucket: { name: string; arn: string; policy: Document };
  secret: { arn: string; replicaArn?: string; policy: Document };
  table: { name: string; arn: string };
  logGroupArn: string;
  metricsNamespace: string;
  alarmTopic: { arn: string; policy: Document };
  releaseKey: string;
  backup?: {
    region: string;
    key: { arn: string; policy: Document };
    bucket: { name: string; arn: string; policy: Document };
    alarmTopic: { arn: string; policy: Document };
  };
  /** identity policies the program attaches */
  identity: { gateway: Document; breakGlassRunbooks: Document; replication?: Document };
}

const doc = (r: RecordedResource, field = "policy") => JSON.parse(String(r.inputs[field])) as Document;

export function stackFacts(run: StackRun, env: string): StackFacts {
  const p = `codequery-${env}`;
  const named = (type: string, name: string) => {
    const found = run.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}`);
    return found;
  };
  const maybe = (type: string, name: string) => run.resources.find((r) => r.type === type && r.name === name);
  const config = run.config;
  const list = (key: string) => (config[key] ? (JSON.parse(config[key]) as string[]) : []);
  const key = named("aws:kms/key:Key", `${p}-key`);
  const state = named("aws:s3/bucket:Bucket", `${p}-state`);
  const secret = named("aws:secretsmanager/secret:Secret", `${p}-secret`);
  const table = named("aws:dynamodb/table:Table", `${p}-rate-limits`);
  const topic = named("aws:sns/topic:Topic", `${p}-alarms`);
  const replicationRole = maybe("aws:iam/role:Role", `${p}-replication`);
  const backupKey = maybe("aws:kms/key:Key", `${p}-backup-key`);
  const backupBucket = maybe("aws:s3/bucket:Bucket", `${p}-backup`);
  const backupRegion = config["codequery:backupRegion"]!;
  const autoScaling =
    (maybe("aws:iam/serviceLinkedRole:ServiceLinkedRole", `${p}-autoscaling`)?.state.arn as
      string | undefined) ??
    `arn:aws:iam::${String(run.outputs.gatewayRoleArn).split(":")[4]}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
  const secretArn = secret.state.arn as string;
  return {
    env,
    accountId: String(run.outputs.gatewayRoleArn).split(":")[4]!,
    region: config["aws:region"]!,
    roles: {
      gateway: named("aws:iam/role:Role", `${p}-gateway`).state.arn as string,
      deployer: config["codequery:deployerRoleArn"]!,
      breakGlass: list("codequery:breakGlassRoleArns"),
      admins: list("codequery:adminRoleArns"),
      backupAdmins: list("codequery:backupAdminRoleArns"),
      replication: replicationRole?.state.arn as string | undefined,
      autoScaling,
    },
    key: { arn: key.state.arn as string, policy: doc(key) },
    stateBucket: {
      name: state.state.bucket as string,
      arn: state.state.arn as string,
      policy: doc(named("aws:s3/bucketPolicy:BucketPolicy", `${p}-state-policy`)),
    },
    secret: {
      arn: secretArn,
      replicaArn: backupKey ? secretArn.replace(`:${config["aws:region"]}:`, `:${backupRegion}:`) : undefined,
      policy: doc(named("aws:secretsmanager/secretPolicy:SecretPolicy", `${p}-policy`)),
    },
    table: { name: table.state.name as string, arn: table.state.arn as string },
    logGroupArn: named("aws:cloudwatch/logGroup:LogGroup", `${p}-logs`).state.arn as string,
    metricsNamespace: `CodeQuery/${env}`,
    alarmTopic: {
      arn: topic.state.arn as string,
      policy: doc(named("aws:sns/topicPolicy:TopicPolicy", `${p}-alarms-policy`)),
    },
    releaseKey: String(run.outputs.releaseKey),
    backup:
      backupKey && backupBucket
        ? {
            region: backupRegion,
            key: { arn: backupKey.state.arn as string, policy: doc(backupKey) },
            bucket: {
              name: backupBucket.state.bucket as string,
              arn: backupBucket.state.arn as string,
              policy: doc(named("aws:s3/bucketPolicy:BucketPolicy", `${p}-backup-policy`)),
            },
            alarmTopic: {
              arn: named("aws:sns/topic:Topic", `${p}-backup-alarms`).state.arn as string,
              policy: doc(named("aws:sns/topicPolicy:TopicPolicy", `${p}-backup-alarms-policy`)),
            },
          }
        : undefined,
    identity: {
      gateway: doc(named("aws:iam/rolePolicy:RolePolicy", `${p}-inline`)),
      breakGlassRunbooks: doc(named("aws:iam/policy:Policy", `${p}-break-glass-runbooks`)),
      replication: replicationRole
        ? doc(named("aws:iam/rolePolicy:RolePolicy", `${p}-replication`))
        : undefined,
    },
  };
}
