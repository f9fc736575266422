import type { Context, Middleware, Next } from "koa";
import { ForbiddenError, UnauthorizedError } from "../../common/errors.js";
import { safeEqual } from "../../common/http.js";
import type { RecordAudit } from "../audit/audit-recorder.js";
import { readSessionCookie } from "../admin/cookie.js";
import { ADMIN_KEY_ID, KEY_PREFIX, parseApiKey } from "../keys/key-format.js";
import type {
  KeyService,
  RefusalReason,
  VerifiedKey,
  VerifyCheck,
  VerifyOutcome,
} from "../keys/key-service.js";
import type { UsageTracker } from "../keys/usage.js";
import type { GatewayMetrics } from "../metrics.js";
import type { OAuthBearerResolver } from "../oauth/token-resolver.js";
import type { AuthAttemptLimiter } from "./auth-attempts.js";
import { clientAddress } from "./client-address.js";

/** The admin web UI's sessions (app/gateway/admin/session.ts). */
export interface AdminSessionVerifier {
  verify(id: string | undefined, csrfToken: string | undefined): boolean;
}

export interface AuthenticateDeps {
  keys: KeyService;
  adminApiKey: () => string;
  adminSessions?: AdminSessionVerifier;
  attempts: AuthAttemptLimiter;
  usage: UsageTracker;
  audit: RecordAudit;
  metrics: GatewayMetrics;
  /**
   * A second kind of credential: a bearer token that is not an API key (an OAuth access token,
   * app/gateway/oauth) resolved to the key it acts for. Absent: such a token is checked as a key.
   */
  oauth?: OAuthBearerResolver;
}

export const ADMIN_PRINCIPAL: VerifiedKey = Object.freeze({
  keyId: ADMIN_KEY_ID,
  isAdmin: true,
  rateLimit: 0,
});

/** What a request presents; read once, checked by `identify`. */
export type Credential =
  /** X-API-KEY, or `Authorization: Bearer` with an API key (or the admin key) */
  | { kind: "key"; secret: string }
  /** `Authorization: Bearer` with anything else, for the `oauth` resolver */
  | { kind: "token"; token: string }
  /** the admin web UI: session cookie plus its X-CSRF-Token header */
  | { kind: "session"; id: string; csrfToken: string };

type Refusal = RefusalReason | "missing" | "session";

type Identified =
  | { ok: true; principal: VerifiedKey }
  /** `message`: the resolver's own explanation (OAuth); else the reason's standard one */
  | { ok: false; reason: Refusal | string; keyId: string | null; message?: string };

const MESSAGES: Record<Refusal, string> = {
  missing: "Missing API Key",
  session: "Admin session is invalid or expired, or the X-CSRF-Token header is missing",
  invalid: "Invalid API Key",
  rotated: "API Key has been rotated; use the new key",
  revoked: "API Key has been revoked",
  expired: "API Key has expired",
};

const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

export function readCredential(ctx: Context): Credential | undefined {
  const apiKey = ctx.get("x-api-key");
  if (apiKey !== "") return { kind: "key", secret: apiKey };
  // Other schemes (Basic, ...) are not ours: as if the header were absent.
  const token = BEARER.exec(ctx.get("authorization"))?.[1];
  if (token !== undefined) {
    return token.startsWith(KEY_PREFIX) ? { kind: "key", secret: token } : { kind: "token", token };
  }
  const session = readSessionCookie(ctx);
  if (session !== undefined) return { kind: "session", id: session, csrfToken: ctx.get("x-csrf-token") };
  return undefined;
}

/** The secret a caller presented as its API key (header or bearer), for routes that compare it. */
export function presentedKey(ctx: Context): string | undefined {
  const credential = readCredential(ctx);
  if (credential?.kind === "key") return credential.secret;
  if (credential?.kind === "token") return credential.token;
  return undefined;
}

/**
 * The one authentication step every protected route goes through, admin routes included:
 * reads the credential, loads what checking it needs (cache, storage on a miss, the token
 * resolver), then — synchronously, so no other request runs in between — reserves a failure
 * from the caller's address budget (429 when used up), checks the credential, and refunds the
 * reservation or keeps it. Every refusal is counted in metrics, audited and answered 401 with
 * its reason.
 */
export function authenticate(deps: AuthenticateDeps): Middleware {
  return async (ctx: Context, next: Next) => {
    const credential = readCredential(ctx);
    // A request without any credential is not a guess: refused, audited, but not counted.
    if (!credential) return refuse(ctx, deps, { ok: false, reason: "missing", keyId: null });
    const prepared = prepare(ctx, credential, deps);
    const check = typeof prepared === "function" ? prepared : await prepared;
    const attempt = deps.attempts.reserve(clientAddress(ctx));
    const outcome = check();
    if (!outcome.ok) {
      await attempt.failed();
      return refuse(ctx, deps, outcome);
    }
    attempt.succeeded();
    ctx.state.principal = outcome.principal;
    if (!outcome.principal.isAdmin) deps.usage.record(outcome.principal.keyId);
    await next();
  };
}

type Check = () => Identified;

/**
 * Everything that may wait (cache misses, the token resolver); the check it returns does not.
 * A promise only when something has to wait: a cached key is checked without one.
 */
function prepare(ctx: Context, credential: Credential, deps: AuthenticateDeps): Check | Promise<Check> {
  switch (credential.kind) {
    case "session":
      return () =>
        deps.adminSessions?.verify(credential.id, credential.csrfToken)
          ? { ok: true, principal: ADMIN_PRINCIPAL }
          : { ok: false, reason: "session", keyId: null };
    case "token": {
      // Without OAuth, a bearer token can only be a key (the admin key, say).
      if (!deps.oauth) return prepareKey(credential.token, deps);
      return deps.oauth.resolve(ctx, credential.token).then((outcome) => () => outcome);
    }
    case "key":
      return prepareKey(credential.secret, deps);
  }
}

function prepareKey(secret: string, deps: AuthenticateDeps): Check | Promise<Check> {
  // A well-formed user key is never the admin key (whose format differs): the constant-time
  // comparison, two SHA-256s, is only needed for anything else.
  const adminKey = deps.adminApiKey();
  const userKeyShaped = parseApiKey(secret) !== null && parseApiKey(adminKey) === null;
  const identify =
    (verifyUserKey: VerifyCheck): Check =>
    () => {
      if (!userKeyShaped && safeEqual(secret, adminKey)) return { ok: true, principal: ADMIN_PRINCIPAL };
      return fromOutcome(verifyUserKey());
    };
  const prepared = deps.keys.prepareVerify(secret);
  return typeof prepared === "function" ? identify(prepared) : prepared.then(identify);
}

function fromOutcome(outcome: VerifyOutcome): Identified {
  return outcome.ok ? { ok: true, principal: outcome.key } : outcome;
}

async function refuse(
  ctx: Context,
  deps: AuthenticateDeps,
  refusal: Extract<Identified, { ok: false }>,
): Promise<never> {
  deps.metrics.authFailures.inc({ reason: refusal.reason });
  await deps.audit(ctx, {
    action: "auth.failure",
    actor: "anonymous",
    target: refusal.keyId,
    outcome: "failure",
    detail: { reason: refusal.reason, method: ctx.method },
  });
  throw new UnauthorizedError(refusal.message ?? MESSAGES[refusal.reason as Refusal] ?? MESSAGES.invalid);
}

export function principalOf(ctx: Context): VerifiedKey {
  const principal = ctx.state.principal as VerifiedKey | undefined;
  if (!principal) throw new UnauthorizedError(MESSAGES.missing);
  return principal;
}

/** Only the admin key (or an admin session) may pass. */
export function requireAdmin(): Middleware {
  return async (ctx: Context, next: Next) => {
    if (!principalOf(ctx).isAdmin) throw new ForbiddenError("This action requires the admin key");
    await next();
  };
}
