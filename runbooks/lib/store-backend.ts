import type { StoreBackend } from "../../app/gateway/store/record-store.js";
import { RunbookError } from "./cli.js";

/**
 * The Gateway's store backend as a runbook reaches it, decided in one place: S3 when STORE=s3,
 * or when a bucket is known (flag, environment or stack output) and STORE is not "file";
 * otherwise the file store under DATA_DIR.
 */
export function runbookStoreBackend(settings: {
  store?: string;
  bucket?: string;
  dataDir?: string;
  prefix?: string;
  kmsKeyId?: string;
  region?: string;
  endpoint?: string;
}): StoreBackend {
  const s3 = settings.store === "s3" || (settings.store !== "file" && Boolean(settings.bucket));
  if (!s3) return { kind: "file", dataDir: settings.dataDir || ".data/gateway" };
  if (!settings.bucket) throw new RunbookError("STORE=s3 needs the state bucket: give --bucket or S3_BUCKET");
  return {
    kind: "s3",
    bucket: settings.bucket,
    prefix: settings.prefix ?? "",
    kmsKeyId: settings.kmsKeyId || undefined,
    region: settings.region || "us-east-1",
    endpoint: settings.endpoint || undefined,
  };
}
