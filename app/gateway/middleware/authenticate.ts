import type { Context, Middleware, Next } from "koa";
import { AppError, ForbiddenError, UnauthorizedError } from "../../common/errors.js";
import { safeEqual } from "../../common/http.js";
import type { Logger } from "../../common/logger.js";
import type { RecordAudit } from "../audit-recorder.js";
import { ADMIN_KEY_ID, parseApiKey } from "../keys/key-format.js";
import type { KeyService, VerifiedKey } from "../keys/key-service.js";
import type { UsageTracker } from "../keys/usage.js";
import type { GatewayMetrics } from "../metrics.js";
import { oauthBearerOf } from "../oauth/bearer-token.js";
import type { OAuthBearerResolver } from "../oauth/token-resolver.js";
import type { AuthFailureLimiter } from "./auth-failure-limit.js";

export const ADMIN_SESSION_COOKIE = "cq_admin_session";

/** The admin web UI's sessions (app/gateway/admin/session.ts). */
export interface AdminSessionVerifier {
  verify(id: string, csrfToken: string): boolean;
}

export interface AuthenticateDeps {
  keys: KeyService;
  adminApiKey: () => string;
  adminSessions?: AdminSessionVerifier;
  failures: AuthFailureLimiter;
  usage: UsageTracker;
  audit: RecordAudit;
  metrics: GatewayMetrics;
  logger: Logger;
  /** OAuth access tokens (app/gateway/oauth); absent when OAuth is off */
  oauth?: OAuthBearerResolver;
}

export const ADMIN_PRINCIPAL: VerifiedKey = Object.freeze({
  keyId: ADMIN_KEY_ID,
  isAdmin: true,
  rateLimit: 0,
});

/**
 * Establishes who is calling: the `X-API-KEY` header (the admin key, compared in constant time,
 * or a user key verified from cache), or, for the admin web UI, a session cookie with its
 * matching `X-CSRF-Token` header. Every failure is counted per source address, audited, and
 * answered 401 with the reason.
 */
export function authenticate(deps: AuthenticateDeps): Middleware {
  return async (ctx: Context, next: Next) => {
    await deps.failures.check(ctx.ip);
    const principal = await identify(ctx, deps);
    ctx.state.principal = principal;
    if (!principal.isAdmin) deps.usage.record(principal.keyId);
    await next();
  };
}

async function identify(ctx: Context, deps: AuthenticateDeps): Promise<VerifiedKey> {
  const apiKey = ctx.get("x-api-key");
  // OAuth hook: a bearer token that is not a `cq_` key acts for the API key that approved it.
  const oauthToken = deps.oauth && !apiKey ? oauthBearerOf(ctx.get("authorization")) : undefined;
  if (deps.oauth && oauthToken) {
    const outcome = await deps.oauth.resolve(ctx, oauthToken);
    if (outcome.ok) return outcome.principal;
    return refuse(ctx, deps, outcome.reason, outcome.keyId, new UnauthorizedError(outcome.message));
  }
  // End of OAuth hook.
  if (!apiKey) {
    const session = ctx.cookies.get(ADMIN_SESSION_COOKIE);
    if (session && deps.adminSessions) {
      if (deps.adminSessions.verify(session, ctx.get("x-csrf-token"))) return ADMIN_PRINCIPAL;
      return refuse(
        ctx,
        deps,
        "session",
        null,
        new UnauthorizedError("Admin session is invalid or expired, or the X-CSRF-Token header is missing"),
      );
    }
    return refuse(ctx, deps, "missing", null, new UnauthorizedError("Missing API Key"));
  }
  if (safeEqual(apiKey, deps.adminApiKey())) return ADMIN_PRINCIPAL;
  try {
    return await deps.keys.verify(apiKey);
  } catch (err) {
    if (err instanceof UnauthorizedError) {
      return refuse(ctx, deps, reasonOf(err.message), parseApiKey(apiKey)?.keyId ?? null, err);
    }
    throw err;
  }
}

async function refuse(
  ctx: Context,
  deps: AuthenticateDeps,
  reason: string,
  target: string | null,
  error: AppError,
): Promise<never> {
  deps.metrics.authFailures.inc({ reason });
  // A request without any key is not a guess; only wrong credentials count towards the IP limit.
  if (reason !== "missing") await deps.failures.recordFailure(ctx.ip);
  await deps.audit(ctx, {
    action: "auth.failure",
    actor: "anonymous",
    target,
    outcome: "failure",
    detail: { reason, method: ctx.method },
  });
  throw error;
}

function reasonOf(message: string): string {
  if (message.includes("expired")) return "expired";
  if (message.includes("revoked")) return "revoked";
  if (message.includes("rotated")) return "rotated";
  return "invalid";
}

export function principalOf(ctx: Context): VerifiedKey {
  const principal = ctx.state.principal as VerifiedKey | undefined;
  if (!principal) throw new UnauthorizedError("Missing API Key");
  return principal;
}

/** Only the admin key (or an admin session) may pass. */
export function requireAdmin(): Middleware {
  return async (ctx: Context, next: Next) => {
    if (!principalOf(ctx).isAdmin) throw new ForbiddenError("This action requires the admin key");
    await next();
  };
}
