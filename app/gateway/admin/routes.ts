import Router from "@koa/router";
import type { Middleware } from "koa";
import { z } from "zod";
import { BadRequestError, NotFoundError, UnauthorizedError } from "../../common/errors.js";
import { readJsonBody, safeEqual } from "../../common/http.js";
import type { RecordAudit } from "../audit/audit-recorder.js";
import { isKeyId } from "../keys/key-format.js";
import type { GatewayMetrics } from "../metrics.js";
import type { AuthAttemptLimiter } from "../middleware/auth-attempts.js";
import { requireAdmin } from "../middleware/authenticate.js";
import { clientAddress } from "../middleware/client-address.js";
import { createAdminAssets } from "./assets.js";
import type { CoreStatus } from "./core-status.js";
import { clearSessionCookie, readSessionCookie, setSessionCookie, type SecureCookies } from "./cookie.js";
import { createHealthReporter, type AdminHealthDeps } from "./health.js";
import { adminSecurityHeaders } from "./security-headers.js";
import type { AdminSessions } from "./session.js";

export interface AdminRouterDeps extends AdminHealthDeps {
  sessions: AdminSessions;
  adminApiKey: () => string;
  /** the Gateway's pipeline: who is calling (session cookie + CSRF token, or the admin key) */
  authenticated: Middleware[];
  /** the same per-address failure budget every credential check draws from */
  attempts: AuthAttemptLimiter;
  audit: RecordAudit;
  gatewayMetrics: Pick<GatewayMetrics, "authFailures">;
  /** "auto" (default): Secure cookie when the request is https */
  secureCookies?: SecureCookies;
  /** whether a key's Core is registered and answering (core-status.ts); the page shows "registered" without it */
  coreStatus?: (keyId: string) => Promise<CoreStatus>;
}

const signInBody = z.object(
  { admin_key: z.string().min(1).max(1024) },
  { error: 'Send JSON {"admin_key": "..."}' },
);

/**
 * The admin web interface: the page and its assets, sign-in and sign-out, and the health summary
 * the page shows. The page's API calls go through the Gateway's one authentication pipeline,
 * which accepts the session cookie plus the X-CSRF-Token header as the admin.
 */
export function createAdminRouter(deps: AdminRouterDeps): Router {
  const router = new Router();
  const assets = createAdminAssets();
  const health = createHealthReporter(deps);
  const now = deps.now ?? Date.now;
  const secure = deps.secureCookies ?? "auto";
  const adminOnly = [...deps.authenticated, requireAdmin()];

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
    const parsed = signInBody.safeParse(await readJsonBody(ctx, 4096));
    if (!parsed.success) throw new BadRequestError('Send JSON {"admin_key": "..."}');

    // Reserved before the key is compared, like every other credential check.
    const attempt = deps.attempts.reserve(clientAddress(ctx));
    if (!safeEqual(parsed.data.admin_key, deps.adminApiKey())) {
      await attempt.failed();
      deps.gatewayMetrics.authFailures.inc({ reason: "admin_sign_in" });
      await deps.audit(ctx, {
        actor: "anonymous",
        action: "admin.sign_in",
        target: null,
        outcome: "failure",
        detail: { reason: "wrong admin key" },
      });
      throw new UnauthorizedError("Wrong admin key");
    }
    attempt.succeeded();

    const session = deps.sessions.create();
    const maxAge = Math.max(0, Math.floor((session.expiresAt - now()) / 1000));
    setSessionCookie(ctx, session.id, maxAge, secure);
    await deps.audit(ctx, { actor: "admin", action: "admin.sign_in", target: null, outcome: "success" });
    ctx.status = 201;
    ctx.body = { csrf_token: session.csrfToken, expires_at: new Date(session.expiresAt).toISOString() };
  });

  router.delete("/admin/session", async (ctx) => {
    const id = readSessionCookie(ctx);
    // Only a request carrying the CSRF token ends the server-side session; any request may
    // clear its own cookie.
    if (deps.sessions.verify(id, ctx.get("x-csrf-token") || undefined)) {
      deps.sessions.destroy(id);
      await deps.audit(ctx, { actor: "admin", action: "admin.sign_out", target: null, outcome: "success" });
    }
    clearSessionCookie(ctx, secure);
    ctx.status = 204;
  });

  router.get("/admin/api/health", ...adminOnly, async (ctx) => {
    ctx.body = await health();
  });

  router.get("/admin/api/cores/:keyId", ...adminOnly, async (ctx) => {
    const keyId = ctx.params.keyId ?? "";
    if (!isKeyId(keyId)) throw new BadRequestError("Expected a key id: 12 characters a-z, 0-9");
    if (!deps.coreStatus) throw new NotFoundError("This Gateway does not check Cores from the admin page");
    ctx.body = { key_id: keyId, ...(await deps.coreStatus(keyId)) };
  });

  return router;
}
