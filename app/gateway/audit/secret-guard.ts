import type { AuditRecord } from "../store/types.js";
import { AuditRecordRejectedError } from "./audit-record.js";

/** What an API key looks like (`cq_<key id>_<secret>`), even cut short. */
const RAW_API_KEY = /cq_[a-z0-9]{12}_[A-Za-z0-9_-]{8,}/;
/** Shorter strings would match by accident; real secrets are far longer. */
const MIN_SECRET_LENGTH = 8;

/**
 * Audit records never carry secrets. Refuses a record whose JSON contains a raw API key or any
 * of `secrets` (the admin key, peppers). The message says what was found, never the value.
 */
export function assertNoSecretInAuditRecord(record: AuditRecord, secrets: Iterable<string> = []): void {
  const json = JSON.stringify(record);
  if (RAW_API_KEY.test(json)) {
    throw new AuditRecordRejectedError(`Audit record ${record.action} refused: it contains a raw API key`);
  }
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    if (json.includes(secret) || json.includes(JSON.stringify(secret).slice(1, -1))) {
      throw new AuditRecordRejectedError(
        `Audit record ${record.action} refused: it contains a configured secret`,
      );
    }
  }
}
