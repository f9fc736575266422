import Provider, { errors, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import type { PepperRing } from "../keys/hashing.js";
import type { RecordStore } from "../store/types.js";
import { renderConsentProblem } from "./consent-page.js";
import { parseAccountId, accountIdOf, type KeyAccount, type KeyAccountStatus } from "./key-account.js";
import { RecordStoreAdapter } from "./record-store-adapter.js";
import type { OAuthServerSecrets } from "./signing-keys.js";

/** Every endpoint of the authorization server lives under this prefix (discovery aside). */
export const OAUTH_PREFIX = "/oauth";
export const MCP_SCOPE = "mcp";
const AUTHORIZATION_CODE_TTL_SECONDS = 60;
const INTERACTION_TTL_SECONDS = 600;

export interface AuthorizationServerOptions {
  /** GATEWAY_PUBLIC_URL: the issuer */
  issuer: string;
  /** `${issuer}/mcp`: the one resource tokens are issued for */
  resource: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  trustProxy: boolean;
  store: RecordStore;
  peppers: PepperRing;
  secrets: OAuthServerSecrets;
  /** whether the key behind an account may still be used (checked at code and refresh exchange) */
  accountStatus: (account: KeyAccount) => Promise<KeyAccountStatus>;
  /** how client metadata documents are fetched; oidc-provider's SSRF-guarded fetch by default */
  fetch?: Configuration["fetch"];
}

/**
 * oidc-provider configured as the MCP authorization spec asks: authorization code with PKCE
 * (S256 only: the only method oidc-provider 9 implements), RFC 8707 resource indicators with
 * the Gateway's /mcp as the only audience, RFC 7591 registration and Client ID Metadata
 * Documents, opaque short-lived access tokens and rotating refresh tokens. The person approving
 * signs in on the Gateway's consent page (consent-routes.ts), never on a page of oidc-provider.
 */
export function createAuthorizationServer(options: AuthorizationServerOptions): Provider {
  const adapterOptions = { store: options.store, peppers: options.peppers, now: Date.now };
  const route = (path: string) => `${OAUTH_PREFIX}${path}`;
  const configuration: Configuration = {
    adapter: (model: string) => new RecordStoreAdapter(model, adapterOptions),
    clients: [],
    jwks: options.secrets.jwks as Configuration["jwks"],
    cookies: {
      keys: options.secrets.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: "lax" },
      short: { signed: true, httpOnly: true, sameSite: "lax" },
    },
    routes: {
      authorization: route("/authorize"),
      token: route("/token"),
      registration: route("/register"),
      revocation: route("/revoke"),
      jwks: route("/jwks"),
      end_session: route("/session/end"),
      userinfo: route("/userinfo"),
      introspection: route("/introspect"),
      pushed_authorization_request: route("/par"),
      code_verification: route("/device"),
      device_authorization: route("/device/auth"),
      backchannel_authentication: route("/backchannel"),
      challenge: route("/challenge"),
      credential: route("/credential"),
    },
    interactions: { url: (_ctx, interaction) => route(`/consent/${interaction.uid}`) },
    scopes: [MCP_SCOPE, "offline_access"],
    responseTypes: ["code"],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      clientIdMetadataDocument: { enabled: true, ack: "draft-02" },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== options.resource) {
            throw new errors.InvalidTarget(`this server issues tokens for ${options.resource} only`);
          }
          return {
            scope: MCP_SCOPE,
            audience: options.resource,
            accessTokenTTL: options.accessTokenTtlSeconds,
            accessTokenFormat: "opaque",
          };
        },
      },
    },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      AuthorizationCode: AUTHORIZATION_CODE_TTL_SECONDS,
      RefreshToken: options.refreshTokenTtlSeconds,
      Grant: options.refreshTokenTtlSeconds,
      Interaction: INTERACTION_TTL_SECONDS,
      Session: INTERACTION_TTL_SECONDS,
    },
    // A refresh token for every client allowed to use one, without the OIDC offline_access dance.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: true,
    // Tokens outlive the short sign-in session: they end with their key, not with a cookie.
    expiresWithSession: async () => false,
    // Only the grant made on the consent page of this very request counts (never one remembered
    // in the session), so every authorization shows that page, where the key must be typed.
    loadExistingGrant: async (ctx) => {
      const grantId = (ctx.oidc.result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    // MCP clients in browsers (the Inspector) call the token endpoint cross-origin; they are public clients.
    clientBasedCORS: () => true,
    findAccount: async (_ctx: KoaContextWithOIDC, sub: string) => {
      const account = parseAccountId(sub);
      if (!account || !(await options.accountStatus(account)).ok) return undefined;
      return { accountId: accountIdOf(account), claims: () => ({ sub }) };
    },
    // Errors that cannot go back to the client (unknown client, unregistered redirect URI).
    renderError: (ctx, out) => {
      ctx.type = "text/html; charset=utf-8";
      ctx.body = renderConsentProblem(
        `${String(out.error ?? "error")}: ${String(out.error_description ?? "the request is not valid")}`,
      );
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const provider = new Provider(options.issuer, configuration);
  provider.proxy = options.trustProxy;
  return provider;
}
