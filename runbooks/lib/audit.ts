import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { createAuditSink } from "../../app/gateway/audit/audit-sink.js";
import { runbookStoreBackend } from "./store-backend.js";
import type { AuditRecord, AuditSink } from "../../app/gateway/store/types.js";
import type { SettingSource } from "./settings.js";

/** Where the Gateway keeps its audit trail: the settings every changing runbook resolves. */
export const AUDIT_SETTINGS = {
  store: { env: ["STORE"] },
  dataDir: { env: ["DATA_DIR"] },
  bucket: { flag: "bucket", env: ["S3_BUCKET"], output: "stateBucketName" },
  prefix: { env: ["S3_PREFIX"] },
  kmsKeyId: { env: ["KMS_KEY_ID"], output: "kmsKeyArn" },
} satisfies Record<string, SettingSource>;

export type AuditSettings = Record<keyof typeof AUDIT_SETTINGS, string | undefined>;

export interface RunbookAudit {
  /** the sink's location, for the operator ("s3://bucket/prefix/audit/" or a file path) */
  readonly where: string;
  record(
    action: string,
    target: string | null,
    detail?: Record<string, unknown>,
    outcome?: AuditRecord["outcome"],
  ): Promise<void>;
}

/**
 * The audit trail a runbook writes to: the Gateway's own sink (S3 objects under `audit/` when the
 * state lives in S3, the JSONL file in DATA_DIR otherwise), with actor "runbook:<name>" and one
 * request id per run so an investigator can see everything a run changed.
 */
export async function openRunbookAudit(
  name: string,
  settings: AuditSettings,
  clients: { s3: S3Client },
): Promise<RunbookAudit> {
  const runId = `runbook-${randomUUID()}`;
  const { sink, where } = await createGatewayAuditSink(settings, clients);
  return {
    where,
    async record(action, target, detail, outcome = "success") {
      await sink.write({
        time: new Date().toISOString(),
        request_id: runId,
        actor: `runbook:${name}`,
        action,
        target,
        source_ip: null,
        outcome,
        ...(detail ? { detail } : {}),
      });
    },
  };
}

/** The Gateway's own sink factory, pointed where the Gateway of this environment writes. */
async function createGatewayAuditSink(
  settings: AuditSettings,
  clients: { s3: S3Client },
): Promise<{ sink: AuditSink; where: string }> {
  const backend = runbookStoreBackend(settings);
  const sink = createAuditSink(backend, { s3Client: clients.s3 });
  const root = settings.prefix
    ? settings.prefix.endsWith("/")
      ? settings.prefix
      : `${settings.prefix}/`
    : "";
  return {
    sink,
    where:
      backend.kind === "s3" ? `s3://${backend.bucket}/${root}audit/` : join(backend.dataDir, "audit.jsonl"),
  };
}
