import type { Context } from "koa";
import type { Logger } from "../../common/logger.js";
import type { AuditRecord, AuditSink } from "../store/types.js";
import type { VerifiedKey } from "../keys/key-service.js";
import { clientAddress } from "../middleware/client-address.js";

export interface AuditEvent {
  action: string;
  target: string | null;
  outcome: "success" | "failure";
  detail?: Record<string, unknown>;
  /** when the request carries no verified principal (e.g. an auth failure) */
  actor?: string;
}

export type RecordAudit = (ctx: Context, event: AuditEvent) => Promise<void>;

/**
 * Turns a request and an event into one AuditRecord: who (key id or "admin"), what, on which
 * key, when, from where, under which request id. Callers never pass a raw key. A sink failure
 * is logged, never turned into a failed response: the operation itself already happened.
 */
export function createAuditRecorder(sink: AuditSink, logger: Logger, now: () => number): RecordAudit {
  return async (ctx, event) => {
    const principal = ctx.state.principal as VerifiedKey | undefined;
    const record: AuditRecord = {
      time: new Date(now()).toISOString(),
      request_id: (ctx.state.requestId as string | undefined) ?? null,
      actor: event.actor ?? principal?.keyId ?? "anonymous",
      action: event.action,
      target: event.target,
      source_ip: clientAddress(ctx),
      outcome: event.outcome,
      ...(event.detail ? { detail: event.detail } : {}),
    };
    try {
      await sink.write(record);
    } catch (err) {
      logger.error(
        { err, action: record.action, target: record.target, req_id: record.request_id },
        "audit write failed",
      );
    }
  };
}
