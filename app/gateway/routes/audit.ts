import { Router } from "@koa/router";
import type { Middleware } from "koa";
import { z } from "zod";
import { requireAdmin } from "../middleware/authenticate.js";
import { validate } from "./request-input.js";
import type { AuditSink } from "../store/types.js";

const isoTime = z.iso.datetime({
  offset: true,
  error: "expected an ISO 8601 time, e.g. 2026-01-31T12:00:00Z",
});

const LIMIT_RANGE = "expected a whole number from 1 to 1000";

const auditQuery = z.object({
  key_id: z.string().max(64, "at most 64 characters").optional(),
  action: z.string().max(64, "at most 64 characters").optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  limit: z.coerce
    .number({ error: LIMIT_RANGE })
    .int(LIMIT_RANGE)
    .min(1, LIMIT_RANGE)
    .max(1000, LIMIT_RANGE)
    .default(100),
});

/** `GET /audit` for the admin: newest first, filtered by key id, action and time. */
export function auditRoutes(deps: { sink: AuditSink; authenticated: Middleware[] }): Router {
  const router = new Router();
  router.get("/audit", ...deps.authenticated, requireAdmin(), async (ctx) => {
    const single = Object.fromEntries(
      Object.entries(ctx.query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
    );
    const q = validate(auditQuery, single);
    const records = await deps.sink.query({
      keyId: q.key_id,
      action: q.action,
      since: q.since,
      until: q.until,
      limit: q.limit,
    });
    ctx.body = { records };
  });
  return router;
}
