import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime/mocks.js";
import { getMonitor } from "@pulumi/pulumi/runtime/settings.js";
import { readStackYaml } from "./stack-yaml.js";

export const ACCOUNT_ID = "123456789012";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** the state the mock returned (inputs plus the computed outputs a provider would set) */
  state: Record<string, unknown>;
  id: string;
  provider?: string;
  custom: boolean;
  /** resource options the engine received */
  options: { protect: boolean; retainOnDelete: boolean; dependsOn: string[] };
}

export interface MockAccount {
  /** false: an account that never had an Auto Scaling group (no service-linked role yet) */
  hasAutoScalingRole: boolean;
}

export interface StackRun {
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  config: Record<string, string>;
  ofType(type: string): RecordedResource[];
  one(type: string, nameIncludes?: string): RecordedResource;
}

/** What a provider would compute on create: ids, ARNs, names. */
function computedState(args: MockResourceArgs): { id: string; state: Record<string, unknown> } {
  const inputs = args.inputs as Record<string, unknown>;
  let id = `${args.name}-id`;
  // Resources of the backup region's provider (`codequery-<env>-<region>`) get ARNs in that region.
  const region =
    (inputs.region as string | undefined) ??
    /-([a-z]{2}-[a-z]+-\d)::/.exec(args.provider ?? "")?.[1] ??
    "us-east-1";
  const state: Record<string, unknown> = {
    arn: `arn:aws:mock:${region}:${ACCOUNT_ID}:${args.type.split(":")[1]}/${args.name}`,
    ...inputs,
  };
  switch (args.type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = `${(inputs.bucketPrefix as string | undefined) ?? `${args.name}-`}0mock`;
      Object.assign(state, { bucket, arn: `arn:aws:s3:::${bucket}` });
      id = bucket; // a bucket's id is its name
      break;
    }
    case "aws:iam/role:Role":
      Object.assign(state, { name: args.name, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${args.name}` });
      break;
    case "aws:iam/instanceProfile:InstanceProfile":
      Object.assign(state, {
        name: args.name,
        arn: `arn:aws:iam::${ACCOUNT_ID}:instance-profile/${args.name}`,
      });
      break;
    case "aws:kms/key:Key":
      Object.assign(state, {
        keyId: `${args.name}-key-id`,
        arn: `arn:aws:kms:${region}:${ACCOUNT_ID}:key/${args.name}-key-id`,
      });
      break;
    case "aws:secretsmanager/secret:Secret":
      Object.assign(state, {
        arn: `arn:aws:secretsmanager:${region}:${ACCOUNT_ID}:secret:${String(inputs.name)}-AbCdEf`,
      });
      break;
    case "aws:sns/topic:Topic":
      Object.assign(state, { arn: `arn:aws:sns:${region}:${ACCOUNT_ID}:${args.name}-0mock` });
      break;
    case "aws:lb/loadBalancer:LoadBalancer":
      Object.assign(state, { dnsName: `${args.name}.elb.amazonaws.com`, arnSuffix: `app/${args.name}/0123` });
      break;
    case "aws:lb/targetGroup:TargetGroup":
      Object.assign(state, { arnSuffix: `targetgroup/${args.name}/0123` });
      break;
    case "aws:iam/policy:Policy":
      Object.assign(state, { arn: `arn:aws:iam::${ACCOUNT_ID}:policy/${args.name}` });
      break;
    case "aws:iam/serviceLinkedRole:ServiceLinkedRole":
      Object.assign(state, {
        arn: `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
      });
      break;
    case "aws:dynamodb/table:Table":
      Object.assign(state, {
        name: `${args.name}-0mock`,
        arn: `arn:aws:dynamodb:${region}:${ACCOUNT_ID}:table/${args.name}-0mock`,
      });
      break;
    case "aws:cloudwatch/logGroup:LogGroup":
      Object.assign(state, { arn: `arn:aws:logs:${region}:${ACCOUNT_ID}:log-group:${String(inputs.name)}` });
      break;
    case "aws:ec2/launchTemplate:LaunchTemplate":
      Object.assign(state, { latestVersion: 1 });
      break;
    default:
      if (state.name === undefined) state.name = `${args.name}-name`;
  }
  return { id, state };
}

function mockCall(args: MockCallArgs, account: MockAccount): Record<string, unknown> {
  switch (args.token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return {
        names: ["us-east-1a", "us-east-1b", "us-east-1c"],
        zoneIds: ["use1-az1", "use1-az2", "use1-az4"],
      };
    case "aws:iam/getRoles:getRoles":
      return account.hasAutoScalingRole
        ? {
            arns: [
              `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
            ],
            names: ["AWSServiceRoleForAutoScaling"],
          }
        : { arns: [], names: [] };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/mock`, userId: "mock" };
    case "aws:ec2/getAmi:getAmi":
      return {
        id: "ami-0123456789abcdef0",
        name: "al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64",
        ...args.inputs,
      };
    case "aws:ec2/getVpc:getVpc":
      return { id: "vpc-0a1b2c3d", cidrBlock: "172.31.0.0/16" };
    case "aws:ec2/getSubnets:getSubnets":
      return { ids: ["subnet-0aaa1111", "subnet-0bbb2222"] };
    case "aws:elb/getServiceAccount:getServiceAccount":
      return { id: "127311923021", arn: "arn:aws:iam::127311923021:root" };
    default:
      throw new Error(`unmocked invoke ${args.token}`);
  }
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getDependenciesList(): string[];
}

/**
 * The mocks hand `newResource` no resource options: read them from the request the engine receives
 * (protect, retainOnDelete, dependsOn) before the mock monitor answers it.
 */
function recordResourceOptions(options: Map<string, RecordedResource["options"]>): void {
  const monitor = getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: unknown): void;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    options.set(`${req.getType()}::${req.getName()}`, {
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete(),
      dependsOn: req.getDependenciesList(),
    });
    register(req, callback);
  };
}

/** Waits until no new resource has been registered for a few turns of the event loop. */
async function settle(resources: RecordedResource[]): Promise<void> {
  let quietTurns = 0;
  let seen = -1;
  for (let i = 0; i < 2000 && quietTurns < 20; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (resources.length === seen) quietTurns++;
    else {
      quietTurns = 0;
      seen = resources.length;
    }
  }
}

/**
 * Runs the real program (stacks/index.ts) under Pulumi's mocks with the config of
 * `Pulumi.<stack>.yaml` (plus `overrides`) and records every resource it registers.
 * Call once per test process: the Pulumi runtime keeps global state.
 */
export async function runStack(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  account: MockAccount = { hasAutoScalingRole: true },
): Promise<StackRun> {
  const dir = mkdtempSync(join(tmpdir(), "cq-stack-"));
  try {
    const artifactPath = join(dir, "codequery-release.tar.gz");
    writeFileSync(artifactPath, `release fixture for ${stack}`);
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries({
      ...readStackYaml(stack),
      "codequery:artifactPath": artifactPath,
      ...overrides,
    })) {
      if (value !== undefined) config[key] = value;
    }
    const resources: RecordedResource[] = [];
    const options = new Map<string, RecordedResource["options"]>();
    await pulumi.runtime.setMocks(
      {
        newResource(args: MockResourceArgs) {
          const { id, state } = computedState(args);
          resources.push({
            type: args.type,
            name: args.name,
            id,
            inputs: args.inputs as Record<string, unknown>,
            state,
            provider: args.provider,
            custom: args.custom ?? true,
            options: options.get(`${args.type}::${args.name}`) ?? {
              protect: false,
              retainOnDelete: false,
              dependsOn: [],
            },
          });
          return { id, state };
        },
        call: (args) => mockCall(args, account),
      },
      "codequery",
      stack,
      false,
    );
    recordResourceOptions(options);
    pulumi.runtime.setAllConfig(config);
    const program = (await import("../index.js")) as Record<string, unknown>;
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(program)) {
      outputs[name] = pulumi.Output.isInstance(value)
        ? await new Promise((resolve) => value.apply(resolve))
        : value;
    }
    await settle(resources);
    return {
      resources,
      outputs,
      config,
      ofType: (type) => resources.filter((r) => r.type === type),
      one(type, nameIncludes) {
        const found = resources.filter(
          (r) => r.type === type && (nameIncludes === undefined || r.name.includes(nameIncludes)),
        );
        if (found.length !== 1)
          throw new Error(
            `expected one ${type}${nameIncludes ? ` named *${nameIncludes}*` : ""}, found ${found.length}`,
          );
        return found[0]!;
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
