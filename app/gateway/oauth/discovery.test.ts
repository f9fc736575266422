import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestGateway } from "../testing/gateway-harness.js";
import { ConsentBrowser } from "./testing/consent-driver.js";
import { listToolsWith } from "./testing/raw-oauth-client.js";
import { InMemoryOAuthClient } from "./testing/mcp-oauth-client.js";
import { startOAuthGateway, startRegisteredCore, type RegisteredCore } from "./testing/oauth-gateway.js";

const REDIRECT = "http://127.0.0.1:53685/callback";
const CLIENT_ID_URL = "https://client.example.test/oauth/client.json";

/** A client's metadata document, served on loopback; the Gateway reaches it through `oauthFetch`. */
async function startMetadataHost(): Promise<{ origin: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    if (req.url !== "/oauth/client.json") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        client_id: CLIENT_ID_URL,
        client_name: "Metadata Document Client",
        redirect_uris: [REDIRECT],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, hits: () => hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("OAuth discovery documents", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startOAuthGateway();
  });
  afterAll(async () => gw?.close());

  it("answers 401 at /mcp with WWW-Authenticate naming the protected resource metadata", async () => {
    const res = await fetch(`${gw.url}/mcp`, { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${gw.url}/.well-known/oauth-protected-resource/mcp", scope="mcp"`,
    );
  });

  it("keeps the plain 401 on routes that are not the protected resource", async () => {
    const res = await fetch(`${gw.url}/files/structure`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBeNull();
  });

  it.each(["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"])(
    "serves RFC 9728 metadata at %s without a key",
    async (path) => {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        resource: `${gw.url}/mcp`,
        authorization_servers: [gw.url],
        scopes_supported: ["mcp"],
        bearer_methods_supported: ["header"],
      });
    },
  );

  it("limits dynamic registrations per address (each one is a stored record)", async () => {
    const register = () =>
      fetch(`${gw.url}/oauth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await register()).status);
    expect(new Set(statuses)).toEqual(new Set([201]));
    const refused = await register();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("serves RFC 8414 metadata: code flow, S256 only, registration and metadata documents", async () => {
    const res = await fetch(`${gw.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      issuer: gw.url,
      authorization_endpoint: `${gw.url}/oauth/authorize`,
      token_endpoint: `${gw.url}/oauth/token`,
      registration_endpoint: `${gw.url}/oauth/register`,
      revocation_endpoint: `${gw.url}/oauth/revoke`,
      code_challenge_methods_supported: ["S256"],
      response_types_supported: ["code"],
      client_id_metadata_document_supported: true,
    });
    expect(meta.grant_types_supported).toEqual(
      expect.arrayContaining(["authorization_code", "refresh_token"]),
    );
    expect(meta.token_endpoint_auth_methods_supported).toContain("none");
  });
});

describe("a client identified by its metadata document URL", { timeout: 60_000 }, () => {
  let gw: TestGateway;
  let host: Awaited<ReturnType<typeof startMetadataHost>>;
  let core: RegisteredCore;
  let user: { api_key: string; key_id: string };

  beforeAll(async () => {
    host = await startMetadataHost();
    gw = await startOAuthGateway(
      {},
      {
        // The document's https URL, routed to the loopback host (its SSRF check would refuse loopback).
        oauthFetch: (url, init) => {
          const { dispatcher: _guarded, ...rest } = init as RequestInit & { dispatcher?: unknown };
          return fetch(String(url).replace("https://client.example.test", host.origin), rest);
        },
      },
    );
    user = await gw.generateKey();
    core = await startRegisteredCore(gw, user.api_key);
  });
  afterAll(async () => {
    await core?.close();
    await gw?.close();
    await host?.close();
  });

  const oauth = new InMemoryOAuthClient(REDIRECT, CLIENT_ID_URL);

  it("authorizes the SDK client without registering it, naming it from its document", async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { authProvider: oauth });
    await expect(new Client({ name: "cimd", version: "1.0.0" }).connect(transport)).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    expect(oauth.information?.client_id).toBe(CLIENT_ID_URL);
    const browser = new ConsentBrowser(REDIRECT);
    const page = await browser.follow(oauth.authorizationUrl!.toString());
    expect(page.text).toContain("Metadata Document Client");
    const answer = await browser.authorize(oauth.authorizationUrl!.toString(), user.api_key);
    await transport.finishAuth(new URL(answer.redirectedToClient!).searchParams.get("code")!);

    const client = new Client({ name: "cimd", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { authProvider: oauth }),
    );
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain("search");
    await client.close();
    expect(host.hits()).toBeGreaterThan(0);
  });

  it("verifies a token from memory on the hot path: repeated calls read no storage", async () => {
    const call = () => listToolsWith(gw.url, oauth.stored!.access_token);
    expect((await call()).status).toBe(200);
    gw.storeCalls.length = 0;
    for (let i = 0; i < 5; i++) expect((await call()).status).toBe(200);
    expect(gw.storeCalls.filter((c) => c.kind !== "usage")).toEqual([]);
  });

  it("refuses a metadata document URL whose document is missing", async () => {
    const url = new URL(`${gw.url}/oauth/authorize`);
    url.search = new URLSearchParams({
      client_id: "https://client.example.test/oauth/missing.json",
      response_type: "code",
      redirect_uri: REDIRECT,
      code_challenge: "x".repeat(43),
      code_challenge_method: "S256",
    }).toString();
    const res = await fetch(url, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("invalid_client");
  });
});
