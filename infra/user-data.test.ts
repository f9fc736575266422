import { describe, expect, it } from "vitest";
import { HARDENING, renderUserData, systemdUnit } from "./user-data.js";

const input = {
  environment: "prod",
  region: "us-east-1",
  bucket: "codequery-prod-state-abc",
  artifactKey: "releases/0123abcd.tar.gz",
  kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/k",
  secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:codequery/prod/gateway-AbC",
  rateLimitTable: "codequery-prod-rate-limits-x",
  logGroupName: "/codequery/prod/gateway",
  hostedCore: false,
  publicUrl: "https://gateway.example.com",
};

describe("Gateway host user data", () => {
  it("installs Node 20 and runs the release downloaded from the state bucket", () => {
    const script = renderUserData(input);
    expect(script.startsWith("#!/bin/bash\nset -euo pipefail\n")).toBe(true);
    expect(script).toContain("dnf install -y nodejs20 amazon-cloudwatch-agent");
    expect(script).toContain(
      "aws s3 cp --region us-east-1 s3://codequery-prod-state-abc/releases/0123abcd.tar.gz",
    );
    expect(script).toContain("systemctl enable --now codequery-gateway.service");
    expect(script).not.toContain("codequery-core.service");
  });

  it("configures the Gateway for S3 state, its secret and shared DynamoDB rate limits", () => {
    const script = renderUserData(input);
    for (const line of [
      "STORE=s3",
      "S3_BUCKET=codequery-prod-state-abc",
      `KMS_KEY_ID=${input.kmsKeyArn}`,
      `ADMIN_SECRET_ID=${input.secretArn}`,
      "RATE_LIMIT_STORE=dynamodb",
      "RATE_LIMIT_TABLE=codequery-prod-rate-limits-x",
      "GATEWAY_PUBLIC_URL=https://gateway.example.com",
    ]) {
      expect(script).toContain(`\n${line}\n`);
    }
  });

  it("ships the app log files to the CloudWatch log group", () => {
    const config = /amazon-cloudwatch-agent\/etc\/codequery.json <<'CODEQUERY_EOF'\n(.*)\nCODEQUERY_EOF/.exec(
      renderUserData(input),
    )?.[1];
    expect(JSON.parse(config!)).toMatchObject({
      logs: {
        logs_collected: {
          files: {
            collect_list: [
              { file_path: "/var/log/codequery/gateway.log", log_group_name: "/codequery/prod/gateway" },
            ],
          },
        },
      },
    });
  });

  it("runs each app as its own user with no privileges, a read-only system and private /tmp", () => {
    const unit = systemdUnit("gateway", "CodeQuery gateway");
    for (const line of [
      "User=codequery",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ProtectHome=yes",
      "PrivateTmp=yes",
      "CapabilityBoundingSet=",
      "ReadWritePaths=/var/log/codequery /var/lib/codequery",
    ]) {
      expect(unit.split("\n")).toContain(line);
    }
    expect(HARDENING.some((l) => l.startsWith("User=root"))).toBe(false);
  });

  it("adds a hosted Core bound to loopback when configured", () => {
    const script = renderUserData({ ...input, hostedCore: true });
    expect(script).toContain("systemctl enable --now codequery-core.service");
    expect(script).toContain("CORE_HOST=127.0.0.1");
  });
});
