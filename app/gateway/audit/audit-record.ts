import { z } from "zod";
import { BadRequestError } from "../../common/errors.js";
import type { AuditRecord, AuditSink } from "../store/types.js";

export type AuditQuery = Parameters<AuditSink["query"]>[0];

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

const isoTime = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), { message: "must be an ISO 8601 time" });

/** An audit record was refused: malformed, or carrying something that looks like a secret. */
export class AuditRecordRejectedError extends Error {
  override name = "AuditRecordRejectedError";
}

/** The shape every sink accepts; a malformed record is a bug in the caller, refused before it is written. */
export const auditRecordSchema = z.object({
  time: isoTime,
  request_id: z.string().max(128).nullable(),
  actor: z.string().min(1).max(128),
  action: z.string().regex(/^[a-z0-9_.-]{1,64}$/, { message: "must look like key.generate" }),
  target: z.string().max(128).nullable(),
  source_ip: z.string().max(64).nullable(),
  outcome: z.enum(["success", "failure"]),
  detail: z.record(z.string(), z.unknown()).optional(),
});

/** Validates a record before a sink writes it; the error names the bad field, not its value. */
export function parseAuditRecord(record: AuditRecord): AuditRecord {
  const parsed = auditRecordSchema.safeParse(record);
  if (parsed.success) return parsed.data as AuditRecord;
  const issue = parsed.error.issues[0]!;
  throw new AuditRecordRejectedError(`Audit record refused: ${issue.path.join(".")}: ${issue.message}`);
}

const querySchema = z.object({
  keyId: z.string().min(1).max(128).optional(),
  action: z.string().min(1).max(64).optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  limit: z.number().int().min(1).max(MAX_AUDIT_LIMIT).optional(),
});

export interface NormalizedAuditQuery {
  keyId?: string;
  action?: string;
  sinceMs: number;
  untilMs: number;
  limit: number;
}

/** Validates a query (400 naming the bad field) and fills the defaults. */
export function normalizeAuditQuery(query: AuditQuery): NormalizedAuditQuery {
  const parsed = querySchema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BadRequestError(`Invalid audit query: ${issue.path.join(".")}: ${issue.message}`);
  }
  const q = parsed.data;
  return {
    keyId: q.keyId,
    action: q.action,
    sinceMs: q.since ? Date.parse(q.since) : Number.NEGATIVE_INFINITY,
    untilMs: q.until ? Date.parse(q.until) : Number.POSITIVE_INFINITY,
    limit: q.limit ?? DEFAULT_AUDIT_LIMIT,
  };
}

/** keyId matches the actor or the target: "everything done by or to this key". */
export function matchesAuditQuery(record: AuditRecord, q: NormalizedAuditQuery): boolean {
  if (q.keyId !== undefined && record.actor !== q.keyId && record.target !== q.keyId) return false;
  if (q.action !== undefined && record.action !== q.action) return false;
  const time = Date.parse(record.time);
  return time >= q.sinceMs && time <= q.untilMs;
}

export function newestFirst(a: AuditRecord, b: AuditRecord): number {
  return Date.parse(b.time) - Date.parse(a.time);
}
