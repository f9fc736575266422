import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestGateway } from "../testing/gateway-harness.js";
import { objectId } from "./record-store-adapter.js";
import { ConsentBrowser, consentFormOf } from "./testing/consent-driver.js";
import { startOAuthGateway, startRegisteredCore, type RegisteredCore } from "./testing/oauth-gateway.js";
import { listToolsWith, pkcePair, RawOAuthClient } from "./testing/raw-oauth-client.js";

const REDIRECT = "http://127.0.0.1:53683/callback";
type Key = { api_key: string; key_id: string };

/** What the authorization server and the protected /mcp refuse, one case per test. */
describe("OAuth at the Gateway refuses", { timeout: 60_000 }, () => {
  let gw: TestGateway;
  let client: RawOAuthClient;
  const cores: RegisteredCore[] = [];

  const newKeyWithCore = async (): Promise<Key> => {
    const key = await gw.generateKey();
    cores.push(await startRegisteredCore(gw, key.api_key));
    return key;
  };
  /** Runs the browser part; the query the client's redirect URI receives. */
  const authorize = async (key: string, overrides: Record<string, string | null> = {}) => {
    const pkce = pkcePair();
    const answer = await new ConsentBrowser(REDIRECT).authorize(
      client.authorizationUrl(pkce, overrides),
      key,
    );
    return { pkce, query: new URL(answer.redirectedToClient!).searchParams };
  };
  /** Authorizes with `key` and exchanges the code: the token response. */
  const tokensFor = async (key: string) => {
    const { pkce, query } = await authorize(key);
    const tokens = await client.exchangeCode(query.get("code")!, pkce.verifier);
    expect(tokens.status).toBe(200);
    return tokens.body as { access_token: string; refresh_token: string };
  };
  /** Follows the authorization URL up to the client's redirect URI (for requests refused before consent). */
  const redirectOf = async (url: string) => {
    const answer = await new ConsentBrowser(REDIRECT).follow(url);
    return answer.redirectedToClient ? new URL(answer.redirectedToClient).searchParams : null;
  };

  beforeAll(async () => {
    gw = await startOAuthGateway({ KEY_CACHE_TTL_SECONDS: "0", OAUTH_ACCESS_TOKEN_TTL_SECONDS: "300" });
    client = await RawOAuthClient.register(gw.url, REDIRECT);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    for (const core of cores) await core.close();
    await gw?.close();
  });

  it("an authorization request for another resource (invalid_target)", async () => {
    const query = await redirectOf(
      client.authorizationUrl(pkcePair(), { resource: "https://other.example/mcp" }),
    );
    expect(query?.get("error")).toBe("invalid_target");
  });

  it("an authorization request without PKCE", async () => {
    const query = await redirectOf(
      client.authorizationUrl(pkcePair(), { code_challenge: null, code_challenge_method: null }),
    );
    expect(query?.get("error")).toBe("invalid_request");
    expect(query?.get("error_description")).toMatch(/PKCE/);
  });

  it("an authorization request with plain PKCE", async () => {
    const pkce = pkcePair();
    const query = await redirectOf(
      client.authorizationUrl(pkce, { code_challenge: pkce.verifier, code_challenge_method: "plain" }),
    );
    expect(query?.get("error")).toBe("invalid_request");
    expect(query?.get("error_description")).toMatch(/code_challenge_method/);
  });

  it("a redirect URI that was not registered, without redirecting to it", async () => {
    const answer = await new ConsentBrowser(REDIRECT).follow(
      client.authorizationUrl(pkcePair(), { redirect_uri: "http://127.0.0.1:53684/evil" }),
    );
    expect(answer.res.status).toBe(400);
    expect(answer.res.headers.get("location")).toBeNull();
    expect(answer.text).toMatch(/redirect_uri/);
  });

  it("a token request for another resource", async () => {
    const key = await newKeyWithCore();
    const { pkce, query } = await authorize(key.api_key);
    const tokens = await client.exchangeCode(query.get("code")!, pkce.verifier, {
      resource: "https://other.example/mcp",
    });
    expect(tokens.status).toBe(400);
    expect(tokens.body.error).toBe("invalid_target");
  });

  it("a code with the wrong PKCE verifier", async () => {
    const key = await newKeyWithCore();
    const { query } = await authorize(key.api_key);
    const tokens = await client.exchangeCode(query.get("code")!, pkcePair().verifier);
    expect(tokens.status).toBe(400);
    expect(tokens.body.error).toBe("invalid_grant");
  });

  it("a reused code, and revokes the tokens its first use issued", async () => {
    const key = await newKeyWithCore();
    const { pkce, query } = await authorize(key.api_key);
    const first = await client.exchangeCode(query.get("code")!, pkce.verifier);
    expect(first.status).toBe(200);
    expect((await listToolsWith(gw.url, String(first.body.access_token))).status).toBe(200);
    const second = await client.exchangeCode(query.get("code")!, pkce.verifier);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe("invalid_grant");
    expect((await listToolsWith(gw.url, String(first.body.access_token))).status).toBe(401);
  });

  it("a reused refresh token, and ends the grant it belonged to", async () => {
    const key = await newKeyWithCore();
    const tokens = await tokensFor(key.api_key);
    const rotated = await client.refresh(tokens.refresh_token);
    expect(rotated.status).toBe(200);
    const reuse = await client.refresh(tokens.refresh_token);
    expect(reuse.body.error).toBe("invalid_grant");
    expect((await client.refresh(String(rotated.body.refresh_token))).body.error).toBe("invalid_grant");
  });

  it("a token of a purged key, while another key's tokens keep working", async () => {
    const doomed = await newKeyWithCore();
    const other = await newKeyWithCore();
    const doomedTokens = await tokensFor(doomed.api_key);
    const otherTokens = await tokensFor(other.api_key);
    expect((await gw.call("DELETE", "/api-keys/self", { key: doomed.api_key })).status).toBe(200);

    const refused = await listToolsWith(gw.url, doomedTokens.access_token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/no longer exists/);
    expect((await client.refresh(doomedTokens.refresh_token)).body.error).toBe("invalid_grant");
    expect((await listToolsWith(gw.url, otherTokens.access_token)).status).toBe(200);
  });

  it("nothing of a purged key's grants in storage once the purge is done", async () => {
    const doomed = await newKeyWithCore();
    const tokens = await tokensFor(doomed.api_key);
    const stored = (model: string, id: string) =>
      existsSync(join(gw.dataDir, "oauth", `${objectId(model, id)}.json`));
    expect(stored("RefreshToken", tokens.refresh_token)).toBe(true);
    expect((await gw.call("DELETE", "/api-keys/self", { key: doomed.api_key })).status).toBe(200);
    // The grants are deleted just after the purge answers; wait for that, boundedly.
    for (let i = 0; i < 100 && stored("RefreshToken", tokens.refresh_token); i++) await setTimeout(20);
    expect(stored("RefreshToken", tokens.refresh_token)).toBe(false);
    expect(stored("AccessToken", tokens.access_token)).toBe(false);
  });

  it("an expired access token", async () => {
    const key = await newKeyWithCore();
    const tokens = await tokensFor(key.api_key);
    expect((await listToolsWith(gw.url, tokens.access_token)).status).toBe(200);
    // oidc-provider reads the system clock: move Date past the token's lifetime.
    vi.useFakeTimers({
      toFake: ["Date"],
      now: Date.now() + (gw.config.oauthAccessTokenTtlSeconds + 1) * 1000,
    });
    const refused = await listToolsWith(gw.url, tokens.access_token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/expired/);
  });

  it("a token of a key rotated past its grace period (and accepts it within the grace period)", async () => {
    const key = await newKeyWithCore();
    const tokens = await tokensFor(key.api_key);
    const rotated = await gw.call("POST", "/api-keys/self/rotate", { key: key.api_key });
    expect(rotated.status).toBe(200);
    expect((await listToolsWith(gw.url, tokens.access_token)).status).toBe(200);
    gw.clock.advance((gw.config.rotationGraceHours + 1) * 3_600_000);
    const refused = await listToolsWith(gw.url, tokens.access_token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/rotated/);
  });

  it("an access token revoked at the revocation endpoint", async () => {
    const key = await newKeyWithCore();
    const tokens = await tokensFor(key.api_key);
    const revoke = await fetch(`${gw.url}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.access_token, client_id: client.clientId }),
    });
    expect(revoke.status).toBe(200);
    expect((await listToolsWith(gw.url, tokens.access_token)).status).toBe(401);
  });

  it("an access token anywhere but /mcp, the one resource it was issued for", async () => {
    const key = await newKeyWithCore();
    const tokens = await tokensFor(key.api_key);
    const res = await fetch(`${gw.url}/files/structure`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/accepted at \/mcp only/);
  });

  it("a made-up bearer token at /mcp, with the challenge that says where to authorize", async () => {
    const res = await listToolsWith(gw.url, "not-a-token-anyone-issued");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${gw.url}/.well-known/oauth-protected-resource/mcp", scope="mcp", error="invalid_token"`,
    );
  });

  describe("on the consent page", () => {
    const openConsent = async () => {
      const browser = new ConsentBrowser(REDIRECT);
      const page = await browser.follow(client.authorizationUrl(pkcePair()));
      return { browser, page, form: consentFormOf(page.text, page.url) };
    };

    it("a wrong API key: the page again with 401, the failure audited, no code", async () => {
      const { browser, page, form } = await openConsent();
      const answer = await browser.follow(form.action, {
        method: "POST",
        origin: new URL(page.url).origin,
        form: {
          csrf: form.csrf,
          api_key: `cq_${"a".repeat(12)}_${"w".repeat(43)}`,
          decision: "approve",
        },
      });
      expect(answer.res.status).toBe(401);
      expect(answer.redirectedToClient).toBeUndefined();
      expect(answer.text).toContain("was not accepted");
      const audit = await gw.call("GET", "/audit?action=auth.failure", { key: gw.adminKey });
      expect(JSON.stringify(audit.body)).toContain("oauth.consent");
    });

    it("parallel key guesses past the per-address failure budget: reserved before each check, so at most the budget is tried", async () => {
      const guarded = await startOAuthGateway({ AUTH_FAILURES_PER_MINUTE_PER_IP: "3" });
      try {
        const guardedClient = await RawOAuthClient.register(guarded.url, REDIRECT);
        const pages = await Promise.all(
          Array.from({ length: 8 }, async () => {
            const browser = new ConsentBrowser(REDIRECT);
            const page = await browser.follow(guardedClient.authorizationUrl(pkcePair()));
            return { browser, page, form: consentFormOf(page.text, page.url) };
          }),
        );
        const answers = await Promise.all(
          pages.map(({ browser, page, form }, i) =>
            browser.follow(form.action, {
              method: "POST",
              origin: new URL(page.url).origin,
              form: {
                csrf: form.csrf,
                api_key: `cq_${"a".repeat(12)}_${String(i).repeat(43)}`,
                decision: "approve",
              },
            }),
          ),
        );
        const statuses = answers.map((a) => a.res.status).sort();
        expect(statuses.filter((s) => s === 401)).toHaveLength(3);
        expect(statuses.filter((s) => s === 429)).toHaveLength(5);
      } finally {
        await guarded.close();
      }
    });

    it("the admin key, which has no Core to act for", async () => {
      const { browser, page, form } = await openConsent();
      const answer = await browser.follow(form.action, {
        method: "POST",
        origin: new URL(page.url).origin,
        form: { csrf: form.csrf, api_key: gw.adminKey, decision: "approve" },
      });
      expect(answer.res.status).toBe(401);
      expect(answer.redirectedToClient).toBeUndefined();
    });

    it("a form without the page's CSRF token, or posted from another origin", async () => {
      const key = await newKeyWithCore();
      const { browser, page, form } = await openConsent();
      const origin = new URL(page.url).origin;
      const forged = await browser.request(form.action, {
        method: "POST",
        origin,
        form: { csrf: "forged", api_key: key.api_key, decision: "approve" },
      });
      expect(forged.res.status).toBe(403);
      const crossSite = await browser.request(form.action, {
        method: "POST",
        origin: "https://evil.example",
        form: { csrf: form.csrf, api_key: key.api_key, decision: "approve" },
      });
      expect(crossSite.res.status).toBe(403);
    });

    it("nothing when the person denies: the client gets access_denied", async () => {
      const key = await newKeyWithCore();
      const pkce = pkcePair();
      const answer = await new ConsentBrowser(REDIRECT).authorize(
        client.authorizationUrl(pkce),
        key.api_key,
        "deny",
      );
      const query = new URL(answer.redirectedToClient!).searchParams;
      expect(query.get("error")).toBe("access_denied");
      expect(query.get("code")).toBeNull();
    });

    it("a page request from a browser that did not start the authorization", async () => {
      const { page } = await openConsent();
      const stranger = await new ConsentBrowser(REDIRECT).request(page.url);
      expect(stranger.res.status).toBe(400);
      expect(stranger.text).toContain("cannot continue");
    });

    it("being framed, cached or sent as a referrer", async () => {
      const { page } = await openConsent();
      expect(page.res.headers.get("x-frame-options")).toBe("DENY");
      expect(page.res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(page.res.headers.get("cache-control")).toBe("no-store");
      expect(page.res.headers.get("referrer-policy")).toBe("same-origin");
    });
  });
});
