import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "../../common/logger.js";
import type { StoreBackend } from "../store/record-store.js";
import { createS3Client } from "../store/s3-client.js";
import type { AuditSink } from "../store/types.js";
import { FileAuditSink } from "./file-audit-sink.js";
import { S3AuditSink } from "./s3-audit-sink.js";

export interface AuditSinkDeps {
  logger?: Logger;
  s3Client?: S3Client;
  /** secrets a record must never contain: e.g. `() => [secrets.current().adminApiKey]` */
  secrets?: () => Iterable<string>;
}

/**
 * The audit sink follows the record store: STORE=file → `<DATA_DIR>/audit.jsonl`,
 * STORE=s3 → objects under `<S3_PREFIX>audit/` in S3_BUCKET. Chosen once, at start-up.
 */
export function createAuditSink(backend: StoreBackend, deps: AuditSinkDeps = {}): AuditSink {
  if (backend.kind === "file") {
    return new FileAuditSink({
      path: join(backend.dataDir, "audit.jsonl"),
      secrets: deps.secrets,
      logger: deps.logger,
    });
  }
  return new S3AuditSink({
    client: deps.s3Client ?? createS3Client({ region: backend.region, endpoint: backend.endpoint }),
    bucket: backend.bucket,
    prefix: backend.prefix,
    kmsKeyId: backend.kmsKeyId,
    secrets: deps.secrets,
  });
}
