import { auth, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestGateway } from "../testing/gateway-harness.js";
import { ConsentBrowser } from "./testing/consent-driver.js";
import { InMemoryOAuthClient } from "./testing/mcp-oauth-client.js";
import { startOAuthGateway, startRegisteredCore, type RegisteredCore } from "./testing/oauth-gateway.js";

const REDIRECT = "http://127.0.0.1:53682/callback";

/**
 * The official MCP TypeScript SDK client (1.x, `client/auth.js`) against a real Gateway and a
 * real Core: discovery, dynamic registration, authorization code with PKCE (the consent page
 * driven over HTTP), a tool call, refresh, and refusal once the key is revoked. Each step builds
 * on the one before, like a user's day.
 */
describe("the MCP SDK client connects to the Gateway with OAuth", { timeout: 60_000 }, () => {
  let gw: TestGateway;
  let user: { api_key: string; key_id: string };
  let core: RegisteredCore;
  const oauth = new InMemoryOAuthClient(REDIRECT);

  const connect = async () => {
    const client = new Client({ name: "oauth-e2e", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { authProvider: oauth }),
    );
    return client;
  };
  const searchNeedle = async () => {
    const client = await connect();
    try {
      return await client.callTool({ name: "search", arguments: { q: "needle" } });
    } finally {
      await client.close();
    }
  };
  const mcpWithToken = (token: string) =>
    fetch(`${gw.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });

  beforeAll(async () => {
    gw = await startOAuthGateway({ KEY_CACHE_TTL_SECONDS: "0" });
    user = await gw.generateKey({ label: "oauth" });
    core = await startRegisteredCore(gw, user.api_key);
  });
  afterAll(async () => {
    await core?.close();
    await gw?.close();
  });

  it("discovers the server, registers, and is sent to the consent page with PKCE S256 and the resource", async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { authProvider: oauth });
    await expect(
      new Client({ name: "oauth-e2e", version: "1.0.0" }).connect(transport),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    expect(oauth.information?.client_id).toBeTruthy();
    const url = oauth.authorizationUrl!;
    expect(`${url.origin}${url.pathname}`).toBe(`${gw.url}/oauth/authorize`);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("resource")).toBe(`${gw.url}/mcp`);

    const browser = new ConsentBrowser(REDIRECT);
    const answer = await browser.authorize(url.toString(), user.api_key);
    const code = new URL(answer.redirectedToClient!).searchParams.get("code");
    expect(code).toBeTruthy();
    expect(browser.visited.join("\n")).not.toContain(user.api_key);
    await transport.finishAuth(code!);
    expect(oauth.stored?.access_token).toBeTruthy();
    expect(oauth.stored?.refresh_token).toBeTruthy();
    expect(oauth.stored?.expires_in).toBe(gw.config.oauthAccessTokenTtlSeconds);
  });

  it("calls a tool through the Gateway on the key's own Core, counted and audited as that key", async () => {
    const result = await searchNeedle();
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result)).toContain("src/app.ts");
    const res = await mcpWithToken(oauth.stored!.access_token);
    expect(res.headers.get("ratelimit-limit")).toBe("60");
    const audit = await gw.call("GET", `/audit?key_id=${user.key_id}&action=oauth.authorize`, {
      key: gw.adminKey,
    });
    expect(JSON.stringify(audit.body)).toContain(oauth.information!.client_id);
  });

  it("refreshes: a new access token and a new refresh token, and the old refresh token is spent", async () => {
    const before = { ...oauth.stored! };
    expect(await auth(oauth, { serverUrl: `${gw.url}/mcp` })).toBe("AUTHORIZED");
    expect(oauth.stored!.access_token).not.toBe(before.access_token);
    expect(oauth.stored!.refresh_token).not.toBe(before.refresh_token);
    expect((await mcpWithToken(oauth.stored!.access_token)).status).toBe(200);
    expect(JSON.stringify(await searchNeedle())).toContain("src/app.ts");
  });

  it("is refused once the key is revoked: the access token answers 401 and refreshing fails", async () => {
    const tokens = { ...oauth.stored! };
    const revoke = await gw.call("POST", "/api-keys/self/revoke", { key: user.api_key });
    expect(revoke.status).toBe(200);

    const res = await mcpWithToken(tokens.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(((await res.json()) as { detail: string }).detail).toMatch(/revoked/);

    const refresh = await fetch(`${gw.url}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token!,
        client_id: oauth.information!.client_id,
      }),
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe("invalid_grant");
    // The SDK client, told 401, tries to refresh, fails, and asks the person to authorize again.
    oauth.authorizationUrl = undefined;
    await expect(connect()).rejects.toBeInstanceOf(UnauthorizedError);
    expect(oauth.authorizationUrl).toBeDefined();
  });

  it("never writes a key or a token to the log", () => {
    const logs = gw.logs();
    expect(logs).not.toContain(user.api_key);
    expect(logs).not.toContain(oauth.stored?.access_token ?? "no-token");
  });
});
