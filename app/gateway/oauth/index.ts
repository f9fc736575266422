import type { Router } from "@koa/router";
import type { Context, Middleware, Next } from "koa";
import type { Configuration } from "oidc-provider";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { Logger } from "../../common/logger.js";
import type { RecordAudit } from "../audit/audit-recorder.js";
import type { PepperRing } from "../keys/hashing.js";
import type { KeyService } from "../keys/key-service.js";
import type { AuthAttemptLimiter } from "../middleware/auth-attempts.js";
import { clientAddress } from "../middleware/client-address.js";
import type { RecordStore } from "../store/types.js";
import { createAuthorizationServer, OAUTH_PREFIX } from "./authorization-server.js";
import { consentRoutes } from "./consent-routes.js";
import { keyAccountStatus } from "./key-account.js";
import { KeyGrants } from "./key-grants.js";
import { limitRegistration } from "./registration-limit.js";
import { mcpAuthChallenge, MCP_PATH, protectedResourceRoutes } from "./protected-resource.js";
import { loadServerSecrets } from "./signing-keys.js";
import { createTokenResolver, type OAuthBearerResolver } from "./token-resolver.js";

export type { OAuthBearerResolver } from "./token-resolver.js";

const DISCOVERY_PATHS = new Set([
  "/.well-known/oauth-authorization-server",
  "/.well-known/openid-configuration",
]);

export interface GatewayOAuthOptions {
  /** GATEWAY_PUBLIC_URL */
  issuer: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  trustProxy: boolean;
  keyCacheTtlMs: number;
}

export interface GatewayOAuthDeps {
  store: RecordStore;
  peppers: PepperRing;
  adminApiKey: () => string;
  keys: KeyService;
  failures: AuthAttemptLimiter;
  /** per-IP limit on dynamic client registration (each one is a stored record) */
  registrationLimiter: RateLimiterAbstract;
  audit: RecordAudit;
  logger: Logger;
  now: () => number;
  /** how client metadata documents are fetched (tests route an https client id to loopback) */
  fetch?: Configuration["fetch"];
}

export interface GatewayOAuth {
  /** oidc-provider: its endpoints under /oauth and its discovery documents */
  authorizationServer: Middleware;
  /** the consent page and the RFC 9728 metadata */
  routers: Router[];
  /** adds `WWW-Authenticate` to 401s from /mcp; mount before the routes that authenticate */
  challenge: Middleware;
  /** the auth middleware's hook for `Authorization: Bearer <token>` */
  bearer: OAuthBearerResolver;
}

/**
 * OAuth 2.1 for clients that cannot send X-API-KEY (claude.ai and ChatGPT connectors, remote MCP
 * clients): the Gateway's /mcp becomes a protected resource and the Gateway its authorization
 * server. Tokens act for the API key that approved them (key-account.ts).
 */
export async function createGatewayOAuth(
  options: GatewayOAuthOptions,
  deps: GatewayOAuthDeps,
): Promise<GatewayOAuth> {
  const resource = `${options.issuer}${MCP_PATH}`;
  const secrets = await loadServerSecrets(deps.store, deps.peppers);
  const accountStatus = async (account: { keyId: string; fingerprint: string }) =>
    keyAccountStatus(account, await deps.keys.cachedRecord(account.keyId), deps.now());
  const provider = createAuthorizationServer({
    issuer: options.issuer,
    resource,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds,
    trustProxy: options.trustProxy,
    store: deps.store,
    peppers: deps.peppers,
    secrets,
    accountStatus,
    fetch: deps.fetch,
  });
  provider.on("server_error", (_ctx, err) => deps.logger.error({ err }, "OAuth server error"));

  const keyGrants = new KeyGrants(deps.store, deps.peppers);
  deps.keys.onPurge((keyId) => {
    keyGrants
      .endAll(keyId)
      .catch((err: unknown) =>
        deps.logger.warn({ err, key_id: keyId }, "could not delete the OAuth grants of a purged key"),
      );
  });

  const handleByProvider = provider.callback();
  const consent = consentRoutes({
    provider,
    issuer: options.issuer,
    resource,
    keys: deps.keys,
    peppers: deps.peppers,
    adminApiKey: deps.adminApiKey,
    failures: deps.failures,
    audit: deps.audit,
    csrfSecret: secrets.cookieKeys[0]!,
    keyGrants,
  });
  const metadata = protectedResourceRoutes(options.issuer, resource);

  const toProvider: Middleware = async (ctx: Context, next: Next) => {
    const path = ctx.path;
    const ours =
      DISCOVERY_PATHS.has(path) ||
      (path.startsWith(`${OAUTH_PREFIX}/`) && !path.startsWith(`${OAUTH_PREFIX}/consent/`));
    if (!ours) return next();
    if (ctx.method === "POST" && path === `${OAUTH_PREFIX}/register`)
      await limitRegistration(deps.registrationLimiter, clientAddress(ctx));
    // oidc-provider is a Koa app of its own: it reads the request and writes the response itself.
    ctx.respond = false;
    await handleByProvider(ctx.req, ctx.res);
  };

  return {
    authorizationServer: toProvider,
    routers: [consent, metadata],
    challenge: mcpAuthChallenge(options.issuer),
    bearer: createTokenResolver({
      provider,
      keys: deps.keys,
      resource,
      now: deps.now,
      cacheTtlMs: options.keyCacheTtlMs,
    }),
  };
}
