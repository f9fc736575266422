/**
 * Cloud-init script for a Gateway host (Amazon Linux 2023): Node 20, the release artifact from the
 * state bucket, each app under a hardened systemd unit, logs shipped to CloudWatch Logs.
 * It holds no secrets: the Gateway reads its admin key and pepper from Secrets Manager at start.
 */

export const GATEWAY_PORT = 8080;
export const CORE_PORT = 8081;
const APP_ROOT = "/opt/codequery";
const LOG_DIR = "/var/log/codequery";
const STATE_DIR = "/var/lib/codequery";

export interface UserDataInput {
  environment: string;
  region: string;
  bucket: string;
  artifactKey: string;
  kmsKeyArn: string;
  secretArn: string;
  rateLimitTable: string;
  logGroupName: string;
  hostedCore: boolean;
  /** the public https address (ALB / domain), when there is one */
  publicUrl?: string;
}

/** Sandboxing every unit gets; each line narrows what a compromised process could touch. */
export const HARDENING = [
  "User=codequery",
  "Group=codequery",
  "NoNewPrivileges=yes",
  "ProtectSystem=strict",
  "ProtectHome=yes",
  "PrivateTmp=yes",
  "PrivateDevices=yes",
  "ProtectKernelTunables=yes",
  "ProtectKernelModules=yes",
  "ProtectKernelLogs=yes",
  "ProtectControlGroups=yes",
  "ProtectClock=yes",
  "ProtectHostname=yes",
  "RestrictSUIDSGID=yes",
  "RestrictRealtime=yes",
  "RestrictNamespaces=yes",
  "LockPersonality=yes",
  "CapabilityBoundingSet=",
  "AmbientCapabilities=",
  "SystemCallArchitectures=native",
  "SystemCallFilter=@system-service",
  "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
  // Logs come out 0640 so the CloudWatch agent (in the codequery group) can read them.
  "UMask=0027",
  `ReadWritePaths=${LOG_DIR} ${STATE_DIR}`,
];

export function systemdUnit(app: "gateway" | "core", description: string): string {
  return [
    "[Unit]",
    `Description=${description}`,
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `EnvironmentFile=/etc/codequery/${app}.env`,
    `WorkingDirectory=${APP_ROOT}/current`,
    `ExecStart=/usr/bin/node-20 ${APP_ROOT}/current/app/${app}/main.mjs`,
    "Restart=on-failure",
    "RestartSec=2",
    `StandardOutput=append:${LOG_DIR}/${app}.log`,
    `StandardError=append:${LOG_DIR}/${app}.log`,
    ...HARDENING,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

function gatewayEnv(i: UserDataInput): string {
  return [
    "NODE_ENV=production",
    `GATEWAY_PORT=${GATEWAY_PORT}`,
    "GATEWAY_HOST=0.0.0.0",
    `AWS_REGION=${i.region}`,
    "STORE=s3",
    `S3_BUCKET=${i.bucket}`,
    `KMS_KEY_ID=${i.kmsKeyArn}`,
    `ADMIN_SECRET_ID=${i.secretArn}`,
    "RATE_LIMIT_STORE=dynamodb",
    `RATE_LIMIT_TABLE=${i.rateLimitTable}`,
    "TRUST_PROXY=true",
    ...(i.publicUrl ? [`GATEWAY_PUBLIC_URL=${i.publicUrl}`] : []),
    "LOG_LEVEL=info",
    "",
  ].join("\n");
}

function cloudWatchAgentConfig(i: UserDataInput): string {
  const file = (app: string) => ({
    file_path: `${LOG_DIR}/${app}.log`,
    log_group_name: i.logGroupName,
    log_stream_name: `{instance_id}/${app}`,
  });
  return JSON.stringify({
    agent: { run_as_user: "cwagent" },
    logs: {
      logs_collected: { files: { collect_list: [file("gateway"), ...(i.hostedCore ? [file("core")] : [])] } },
    },
  });
}

/** A heredoc that writes `content` to `path` verbatim (quoted delimiter: no shell expansion). */
const writeFile = (path: string, content: string, mode: string) => [
  `cat > ${path} <<'CODEQUERY_EOF'`,
  content.trimEnd(),
  "CODEQUERY_EOF",
  `chmod ${mode} ${path}`,
];

export function renderUserData(i: UserDataInput): string {
  const apps: Array<"gateway" | "core"> = i.hostedCore ? ["gateway", "core"] : ["gateway"];
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    `# CodeQuery ${i.environment} Gateway host; release ${i.artifactKey}`,
    "dnf install -y nodejs20 amazon-cloudwatch-agent",
    "id codequery >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin codequery",
    "usermod -a -G codequery cwagent",
    `install -d -o codequery -g codequery -m 0750 ${LOG_DIR} ${STATE_DIR}`,
    `install -d -o root -g root -m 0755 ${APP_ROOT}/releases /etc/codequery`,
    `release_dir=${APP_ROOT}/releases/$(basename ${i.artifactKey} .tar.gz)`,
    'mkdir -p "$release_dir"',
    `aws s3 cp --region ${i.region} s3://${i.bucket}/${i.artifactKey} /tmp/codequery-release.tar.gz`,
    'tar -xzf /tmp/codequery-release.tar.gz -C "$release_dir" --no-same-owner',
    "rm -f /tmp/codequery-release.tar.gz",
    // Code is root-owned and read-only to the service user.
    'chmod -R go-w "$release_dir"',
    `ln -sfn "$release_dir" ${APP_ROOT}/current`,
    ...writeFile("/etc/codequery/gateway.env", gatewayEnv(i), "0640"),
    ...(i.hostedCore
      ? writeFile(
          "/etc/codequery/core.env",
          `NODE_ENV=production\nCORE_PORT=${CORE_PORT}\nCORE_HOST=127.0.0.1\nTUNNEL=none\nPROJECT_PATH=${STATE_DIR}/project\nGATEWAY_URL=http://127.0.0.1:${GATEWAY_PORT}\n`,
          "0640",
        )
      : []),
    "chgrp codequery /etc/codequery/*.env",
    ...apps.flatMap((app) =>
      writeFile(`/etc/systemd/system/codequery-${app}.service`, systemdUnit(app, `CodeQuery ${app}`), "0644"),
    ),
    ...writeFile("/opt/aws/amazon-cloudwatch-agent/etc/codequery.json", cloudWatchAgentConfig(i), "0644"),
    "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/codequery.json",
    "systemctl daemon-reload",
    ...apps.map((app) => `systemctl enable --now codequery-${app}.service`),
    "",
  ].join("\n");
}
