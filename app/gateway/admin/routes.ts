import Router from "@koa/router";
import type { Context } from "koa";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { z } from "zod";
import { AppError, BadRequestError, NotFoundError, UnauthorizedError } from "../../common/errors.js";
import { readJsonBody } from "../../common/http.js";
import type { Logger } from "../../common/logger.js";
import type { AuditRecord, AuditSink } from "../store/types.js";
import { createAdminAssets } from "./assets.js";
import type { CoreStatus } from "./core-status.js";
import { clearSessionCookie, readSessionCookie, setSessionCookie, type SecureCookies } from "./cookie.js";
import { createHealthReporter, type AdminHealthDeps } from "./health.js";
import { adminSecurityHeaders } from "./security-headers.js";
import type { AdminSessions } from "./session.js";

export interface AdminRouterDeps extends AdminHealthDeps {
  sessions: AdminSessions;
  verifyAdminKey(key: string): boolean | Promise<boolean>;
  audit?: Pick<AuditSink, "write">;
  logger: Logger;
  /** "auto" (default): Secure cookie when the request is https */
  secureCookies?: SecureCookies;
  /** wrong admin keys accepted per IP per minute before sign-in answers 429 (default 10) */
  signInFailuresPerMinute?: number;
  /** whether a key's Core is registered and answering (core-status.ts); the page shows "registered" without it */
  coreStatus?: (keyId: string) => Promise<CoreStatus>;
}

const KEY_ID = /^[a-z0-9]{12}$/;

const signInBody = z.object(
  { admin_key: z.string().min(1).max(1024) },
  { error: 'Send JSON {"admin_key": "..."}' },
);

/**
 * The admin web interface: the page and its assets, sign-in and sign-out, and the health summary
 * the page shows. Everything else the page does goes through the Gateway's own API, which
 * accepts the session cookie plus the X-CSRF-Token header as the admin.
 */
export function createAdminRouter(deps: AdminRouterDeps): Router {
  const router = new Router();
  const assets = createAdminAssets();
  const health = createHealthReporter(deps);
  const now = deps.now ?? Date.now;
  const secure = deps.secureCookies ?? "auto";
  const failures = new RateLimiterMemory({ points: deps.signInFailuresPerMinute ?? 10, duration: 60 });

  const audit = async (
    ctx: Context,
    record: Pick<AuditRecord, "actor" | "action" | "outcome"> & Partial<AuditRecord>,
  ) => {
    if (!deps.audit) return;
    try {
      await deps.audit.write({
        time: new Date(now()).toISOString(),
        request_id: (ctx.state.requestId as string | undefined) ?? null,
        target: null,
        source_ip: ctx.ip || null,
        ...record,
      });
    } catch (err) {
      deps.logger.error({ err, action: record.action }, "audit write failed");
    }
  };

  /** The page's own API calls: a live session with its CSRF token, or the admin key itself. */
  const requireAdmin = async (ctx: Context) => {
    if (deps.sessions.verify(readSessionCookie(ctx), ctx.get("x-csrf-token") || undefined)) return;
    const key = ctx.get("x-api-key");
    if (key && (await deps.verifyAdminKey(key))) return;
    throw new UnauthorizedError("Admin session missing or expired: sign in again");
  };

  // Runs for every route below, all of which live under /admin.
  router.use(adminSecurityHeaders());

  router.get("/admin", async (ctx) => {
    const page = await assets.get("index.html");
    ctx.type = page!.type;
    ctx.body = page!.body;
  });
  router.get("/admin/", (ctx) => ctx.redirect("/admin"));

  router.get("/admin/assets/:name", async (ctx) => {
    const asset = await assets.get(ctx.params.name ?? "");
    if (!asset) throw new NotFoundError("No such admin asset");
    ctx.type = asset.type;
    ctx.body = asset.body;
  });

  router.post("/admin/session", async (ctx) => {
    const ip = ctx.ip || "unknown";
    const seen = await failures.get(ip);
    if (seen && seen.remainingPoints <= 0) throw tooManySignIns(seen);

    const parsed = signInBody.safeParse(await readJsonBody(ctx, 4096));
    if (!parsed.success) throw new BadRequestError('Send JSON {"admin_key": "..."}');

    if (!(await deps.verifyAdminKey(parsed.data.admin_key))) {
      await audit(ctx, {
        actor: "anonymous",
        action: "admin.sign_in",
        outcome: "failure",
        detail: { reason: "wrong admin key" },
      });
      try {
        await failures.consume(ip);
      } catch (res) {
        if (res instanceof RateLimiterRes) throw tooManySignIns(res);
        throw res;
      }
      throw new UnauthorizedError("Wrong admin key");
    }

    const session = deps.sessions.create();
    const maxAge = Math.max(0, Math.floor((session.expiresAt - now()) / 1000));
    setSessionCookie(ctx, session.id, maxAge, secure);
    await audit(ctx, { actor: "admin", action: "admin.sign_in", outcome: "success" });
    ctx.status = 201;
    ctx.body = { csrf_token: session.csrfToken, expires_at: new Date(session.expiresAt).toISOString() };
  });

  router.delete("/admin/session", async (ctx) => {
    const id = readSessionCookie(ctx);
    // Only a request carrying the CSRF token ends the server-side session; any request may
    // clear its own cookie.
    if (deps.sessions.verify(id, ctx.get("x-csrf-token") || undefined)) {
      deps.sessions.destroy(id);
      await audit(ctx, { actor: "admin", action: "admin.sign_out", outcome: "success" });
    }
    clearSessionCookie(ctx, secure);
    ctx.status = 204;
  });

  router.get("/admin/api/health", async (ctx) => {
    await requireAdmin(ctx);
    ctx.body = await health();
  });

  router.get("/admin/api/cores/:keyId", async (ctx) => {
    await requireAdmin(ctx);
    const keyId = ctx.params.keyId ?? "";
    if (!KEY_ID.test(keyId)) throw new BadRequestError("Expected a key id: 12 characters a-z, 0-9");
    if (!deps.coreStatus) throw new NotFoundError("This Gateway does not check Cores from the admin page");
    ctx.body = { key_id: keyId, ...(await deps.coreStatus(keyId)) };
  });

  return router;
}

function tooManySignIns(res: RateLimiterRes): AppError {
  const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new AppError(
    429,
    `Too many failed sign-ins from this address: try again in ${seconds} s`,
    {},
    { "Retry-After": String(seconds) },
  );
}
