import { createHash } from "node:crypto";
import type { Context } from "koa";
import type Provider from "oidc-provider";
import type { KeyService, VerifiedKey } from "../keys/key-service.js";
import { RecordCache } from "../keys/record-cache.js";
import { keyAccountStatus, parseAccountId } from "./key-account.js";
import { MCP_PATH } from "./protected-resource.js";

export type BearerOutcome =
  { ok: true; principal: VerifiedKey } | { ok: false; reason: string; keyId: string | null; message: string };

/** Turns an OAuth access token into the API key it acts for (the auth middleware's OAuth hook). */
export interface OAuthBearerResolver {
  resolve(ctx: Context, token: string): Promise<BearerOutcome>;
}

interface TokenFacts {
  accountId: string;
  audience: string | undefined;
  /** epoch ms, on oidc-provider's clock (the system clock) */
  expiresAtMs: number;
}

export interface TokenResolverOptions {
  provider: Provider;
  keys: KeyService;
  /** the resource tokens must be issued for */
  resource: string;
  /** the Gateway's clock, as KeyService judges key expiry and rotation grace */
  now: () => number;
  /** how long a looked-up token is trusted without reading storage again (KEY_CACHE_TTL_SECONDS) */
  cacheTtlMs: number;
}

/**
 * Verifies a bearer token on the hot path: the token (cached briefly, like key records, so a
 * request reads no storage), its audience (this Gateway's /mcp only), its expiry, and the key it
 * acts for (revoked, expired, purged or rotated past grace → refused).
 */
export function createTokenResolver(options: TokenResolverOptions): OAuthBearerResolver {
  const cache = new RecordCache<TokenFacts>({ ttlMs: options.cacheTtlMs });
  const refuse = (reason: string, message: string, keyId: string | null = null): BearerOutcome => ({
    ok: false,
    reason,
    keyId,
    message,
  });

  return {
    async resolve(ctx, token) {
      if (ctx.path !== MCP_PATH) {
        return refuse(
          "oauth_wrong_resource",
          `OAuth access tokens are accepted at ${MCP_PATH} only; elsewhere send X-API-KEY`,
        );
      }
      const id = createHash("sha256").update(token, "utf8").digest("base64url");
      const facts = await cache.get(id, async () => {
        const found = await options.provider.AccessToken.find(token);
        if (!found?.accountId) return null;
        return {
          accountId: found.accountId,
          audience: typeof found.aud === "string" ? found.aud : undefined,
          expiresAtMs: (found.exp ?? 0) * 1000,
        };
      });
      if (!facts) return refuse("oauth_invalid", "The access token is not valid; authorize again");
      if (facts.expiresAtMs <= Date.now()) {
        cache.invalidate(id);
        return refuse("oauth_expired", "The access token has expired; refresh it or authorize again");
      }
      if (facts.audience !== options.resource) {
        return refuse("oauth_wrong_resource", `The access token was not issued for ${options.resource}`);
      }
      const account = parseAccountId(facts.accountId);
      if (!account) return refuse("oauth_invalid", "The access token is not valid; authorize again");
      const status = keyAccountStatus(account, await options.keys.cachedRecord(account.keyId), options.now());
      if (!status.ok) return refuse(`oauth_key_${status.reason}`, status.message, account.keyId);
      return status;
    },
  };
}
