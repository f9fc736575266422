import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export const AUTO_SCALING_ROLE_PATH = "/aws-service-role/autoscaling.amazonaws.com/";
export const AUTO_SCALING_ROLE_NAME = "AWSServiceRoleForAutoScaling";

/**
 * The EC2 Auto Scaling service-linked role, which launches the hosts and so encrypts their volumes
 * with the key. An account that never had an Auto Scaling group has none, and KMS refuses a key
 * policy naming a role that does not exist ("invalid principals"). So: look it up; create it when
 * missing. The ARN is an output, so the key (whose policy names it) waits for it.
 *
 * The role belongs to the account, not the stack: a created one is retained on destroy, and once
 * it exists the next run finds it and stops declaring it (Pulumi drops it from the state only).
 */
export class AutoScalingServiceRole extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  /** true when this run creates the role (a fresh account) */
  readonly created: pulumi.Output<boolean>;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("codequery:infra:AutoScalingServiceRole", name, {}, opts);
    const found = aws.iam.getRolesOutput(
      { pathPrefix: AUTO_SCALING_ROLE_PATH, nameRegex: `^${AUTO_SCALING_ROLE_NAME}$` },
      { parent: this },
    );
    // Deciding whether to declare a resource needs the lookup's answer: the one apply that does.
    this.arn = found.arns.apply((arns) => {
      if (arns.length > 0) return pulumi.output(arns[0]!);
      const role = new aws.iam.ServiceLinkedRole(
        `${name}-autoscaling`,
        {
          awsServiceName: "autoscaling.amazonaws.com",
          description: "EC2 Auto Scaling (created by CodeQuery: the account had none)",
        },
        { parent: this, retainOnDelete: true },
      );
      return role.arn;
    });
    this.created = found.arns.apply((arns) => arns.length === 0);
    this.registerOutputs({ arn: this.arn });
  }
}
