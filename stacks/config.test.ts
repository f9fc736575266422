import { describe, expect, it } from "vitest";
import { loadStackConfig, StackConfigError } from "./config.js";
import { readStackYaml } from "./testing/stack-yaml.js";

const load = (values: Record<string, string | undefined>) => loadStackConfig((key) => values[key]);

function failure(values: Record<string, string | undefined>): string {
  try {
    load(values);
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return (error as Error).message;
  }
  throw new Error("expected the config to be refused");
}

describe("stack config", () => {
  it.each(["dev", "staging", "prod"])("accepts Pulumi.%s.yaml", (stack) => {
    const config = load(readStackYaml(stack));
    expect(config.environment).toBe(stack);
    expect(config.tags).toEqual({ project: "codequery", environment: stack, owner: "platform-team" });
    expect(config.albEnabled).toBe(stack !== "dev");
    expect(config.replicationEnabled).toBe(stack !== "dev");
  });

  it("names a missing setting", () => {
    const { "codequery:alarmEmail": _, ...rest } = readStackYaml("dev");
    expect(failure(rest)).toMatch(/^Invalid stack configuration: codequery:alarmEmail: /);
  });

  it("names a wrong setting and says what it expects", () => {
    const message = failure({ ...readStackYaml("dev"), "codequery:alarmEmail": "not-an-email" });
    expect(message).toBe(
      "Invalid stack configuration: codequery:alarmEmail: expected an e-mail address for alarm notifications",
    );
  });

  it("refuses a number that is not a whole number in range", () => {
    expect(failure({ ...readStackYaml("dev"), "codequery:kmsDeletionWindowDays": "3" })).toContain(
      "codequery:kmsDeletionWindowDays: expected a whole number from 7 to 30",
    );
    expect(failure({ ...readStackYaml("dev"), "codequery:minInstances": "two" })).toContain(
      "codequery:minInstances: expected a whole number from 1 to 20",
    );
  });

  it("refuses a region that is not a region", () => {
    expect(failure({ ...readStackYaml("dev"), "aws:region": "mars-1" })).toContain(
      "aws:region: expected an AWS region like us-east-1",
    );
  });

  it("refuses prod without a certificate", () => {
    const { "codequery:certificateArn": _c, "codequery:domain": _d, ...rest } = readStackYaml("prod");
    expect(failure(rest)).toBe(
      "Invalid stack configuration: codequery:certificateArn: prod requires an ACM certificate ARN (HTTPS on the load balancer)",
    );
  });

  it("refuses prod with fewer than two instances", () => {
    expect(failure({ ...readStackYaml("prod"), "codequery:minInstances": "1" })).toContain(
      "codequery:minInstances: prod needs at least 2 instances",
    );
  });

  it("refuses SSH outside dev and SSH from anywhere", () => {
    expect(failure({ ...readStackYaml("staging"), "codequery:sshCidr": "203.0.113.10/32" })).toContain(
      "codequery:sshCidr: SSH is allowed in dev only",
    );
    expect(failure({ ...readStackYaml("dev"), "codequery:sshCidr": "0.0.0.0/0" })).toContain(
      "codequery:sshCidr: refusing SSH from the whole internet",
    );
  });

  it("refuses a malformed role ARN inside the admin list", () => {
    expect(
      failure({
        ...readStackYaml("dev"),
        "codequery:adminRoleArns": JSON.stringify(["arn:aws:iam::*:role/x"]),
      }),
    ).toContain("codequery:adminRoleArns.0: expected an IAM role ARN");
  });

  it("refuses an unknown pageable alarm and a backup region equal to the region", () => {
    const alarms = JSON.stringify({
      cpuPercent: 80,
      alb5xxPerMinute: 5,
      p99LatencySeconds: 2,
      authFailuresPer5Minutes: 5,
      rateLimitedPer5Minutes: 5,
      paging: ["pager"],
    });
    expect(failure({ ...readStackYaml("dev"), "codequery:alarms": alarms })).toContain(
      "codequery:alarms.paging.0:",
    );
    expect(failure({ ...readStackYaml("dev"), "codequery:backupRegion": "us-east-1" })).toContain(
      "codequery:backupRegion: must differ from aws:region",
    );
  });

  it("refuses a deployer that is also a key administrator", () => {
    expect(
      failure({
        ...readStackYaml("staging"),
        "codequery:deployerRoleArn": "arn:aws:iam::123456789012:role/codequery-admin",
      }),
    ).toContain("codequery:deployerRoleArn: must not be one of adminRoleArns");
  });

  it("refuses a log retention CloudWatch does not offer", () => {
    expect(failure({ ...readStackYaml("dev"), "codequery:logRetentionDays": "10" })).toContain(
      "codequery:logRetentionDays: expected a CloudWatch Logs retention",
    );
  });
});
