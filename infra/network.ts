import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tagsFor, type StackTags } from "./tags.js";

/** AWS services the Gateway calls, reached through interface endpoints where they are enabled. */
export const INTERFACE_ENDPOINT_SERVICES = [
  "secretsmanager",
  "kms",
  "logs",
  "monitoring",
  "ssm",
  "ssmmessages",
  "ec2messages",
] as const;
/** S3 and DynamoDB have free gateway endpoints: always on. */
export const GATEWAY_ENDPOINT_SERVICES = ["s3", "dynamodb"] as const;
export const ZONES = 2;

export interface NetworkArgs {
  environment: string;
  region: string;
  cidr: string;
  /** one NAT gateway per zone (prod) instead of one shared */
  natPerZone: boolean;
  /** interface endpoints for the AWS APIs the hosts call (else they go out through NAT) */
  interfaceEndpoints: boolean;
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  tags: StackTags;
}

/** The /cidr split in /4 blocks: 0..1 public (ALB, NAT), 2..3 private (hosts). */
function subnetCidr(cidr: string, index: number): string {
  const [base, maskText] = cidr.split("/") as [string, string];
  const mask = Number(maskText) + 2;
  const octets = base.split(".").map(Number);
  const start = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const address = (start + index * 2 ** (32 - mask)) >>> 0;
  return `${[24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join(".")}/${mask}`;
}

/**
 * A VPC of the stack's own: public subnets for the load balancer and NAT only (nothing there gets a
 * public IP by default), private subnets for the hosts, a route out through NAT (the Gateway calls
 * the users' Core tunnels on the internet), endpoints for the AWS APIs it calls, and flow logs.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly flowLogGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:Network", name, {}, opts);
    const child = { parent: this };
    const tags = (suffix: string) => tagsFor(args.tags, `${name}-${suffix}`);
    this.vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags("vpc") },
      child,
    );
    // The default security group of a new VPC allows all traffic between its members: empty it.
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: this.vpc.id, ingress: [], egress: [], tags: tags("default-sg") },
      child,
    );
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, child).names;
    const internet = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: this.vpc.id, tags: tags("igw") },
      child,
    );
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: this.vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: internet.id }],
        tags: tags("public"),
      },
      child,
    );
    const publicSubnets: aws.ec2.Subnet[] = [];
    const privateRouteTables: aws.ec2.RouteTable[] = [];
    const nats: aws.ec2.NatGateway[] = [];
    this.privateSubnetIds = [];
    for (let zone = 0; zone < ZONES; zone++) {
      const availabilityZone = zones.apply((names) => names[zone]!);
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${zone}`,
        {
          vpcId: this.vpc.id,
          cidrBlock: subnetCidr(args.cidr, zone),
          availabilityZone,
          mapPublicIpOnLaunch: false,
          tags: tags(`public-${zone}`),
        },
        child,
      );
      publicSubnets.push(subnet);
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${zone}`,
        { subnetId: subnet.id, routeTableId: publicRoutes.id },
        child,
      );
      if (zone === 0 || args.natPerZone) {
        const ip = new aws.ec2.Eip(
          `${name}-nat-${zone}`,
          { domain: "vpc", tags: tags(`nat-${zone}`) },
          child,
        );
        nats.push(
          new aws.ec2.NatGateway(
            `${name}-nat-${zone}`,
            { subnetId: subnet.id, allocationId: ip.id, tags: tags(`nat-${zone}`) },
            { parent: this, dependsOn: [internet] },
          ),
        );
      }
      const nat = nats[Math.min(zone, nats.length - 1)]!;
      const routes = new aws.ec2.RouteTable(
        `${name}-private-${zone}`,
        {
          vpcId: this.vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
          tags: tags(`private-${zone}`),
        },
        child,
      );
      privateRouteTables.push(routes);
      const privateSubnet = new aws.ec2.Subnet(
        `${name}-private-${zone}`,
        {
          vpcId: this.vpc.id,
          cidrBlock: subnetCidr(args.cidr, zone + 2),
          availabilityZone,
          mapPublicIpOnLaunch: false,
          tags: tags(`private-${zone}`),
        },
        child,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${zone}`,
        { subnetId: privateSubnet.id, routeTableId: routes.id },
        child,
      );
      this.privateSubnetIds.push(privateSubnet.id);
    }
    this.publicSubnetIds = publicSubnets.map((s) => s.id);

    for (const service of GATEWAY_ENDPOINT_SERVICES) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service}`,
        {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${args.region}.${service}`,
          vpcEndpointType: "Gateway",
          routeTableIds: privateRouteTables.map((t) => t.id),
          tags: tags(service),
        },
        child,
      );
    }
    if (args.interfaceEndpoints) {
      const endpointGroup = new aws.ec2.SecurityGroup(
        `${name}-endpoints`,
        {
          description: "CodeQuery VPC interface endpoints: HTTPS from inside the VPC",
          vpcId: this.vpc.id,
          ingress: [
            {
              description: "HTTPS from the VPC",
              protocol: "tcp",
              fromPort: 443,
              toPort: 443,
              cidrBlocks: [args.cidr],
            },
          ],
          egress: [],
          tags: tags("endpoints"),
        },
        child,
      );
      for (const service of INTERFACE_ENDPOINT_SERVICES) {
        new aws.ec2.VpcEndpoint(
          `${name}-${service}`,
          {
            vpcId: this.vpc.id,
            serviceName: `com.amazonaws.${args.region}.${service}`,
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: this.privateSubnetIds,
            securityGroupIds: [endpointGroup.id],
            tags: tags(service),
          },
          child,
        );
      }
    }

    this.flowLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      {
        name: `/codequery/${args.environment}/vpc-flow-logs`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags: tags("flow-logs"),
      },
      child,
    );
    const flowRole = new aws.iam.Role(
      `${name}-flow-logs`,
      {
        description: "VPC flow logs delivery to CloudWatch Logs",
        assumeRolePolicy: aws.getCallerIdentityOutput({}, child).accountId.apply((accountId) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
              },
            ],
          }),
        ),
        tags: tags("flow-logs"),
      },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs`,
      {
        role: flowRole.id,
        policy: this.flowLogGroup.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "DeliverFlowLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: [arn, `${arn}:log-stream:*`],
              },
            ],
          }),
        ),
      },
      child,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId: this.vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: this.flowLogGroup.arn,
        iamRoleArn: flowRole.arn,
        maxAggregationInterval: 600,
        tags: tags("flow-log"),
      },
      child,
    );
    this.registerOutputs({ vpcId: this.vpc.id });
  }
}
