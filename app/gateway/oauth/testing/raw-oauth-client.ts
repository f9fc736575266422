import { createHash, randomBytes } from "node:crypto";

export interface PkcePair {
  verifier: string;
  challenge: string;
}

export function pkcePair(): PkcePair {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/**
 * An OAuth client written out request by request, for the cases a well-behaved SDK never sends
 * (no PKCE, plain PKCE, another resource, a reused code, an unregistered redirect URI).
 */
export class RawOAuthClient {
  constructor(
    readonly gatewayUrl: string,
    readonly clientId: string,
    readonly redirectUri: string,
  ) {}

  static async register(
    gatewayUrl: string,
    redirectUri: string,
    name = "raw test client",
  ): Promise<RawOAuthClient> {
    const res = await fetch(`${gatewayUrl}/oauth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: name,
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      }),
    });
    const body = (await res.json()) as { client_id?: string };
    if (res.status !== 201 || !body.client_id)
      throw new Error(`registration failed: ${res.status} ${JSON.stringify(body)}`);
    return new RawOAuthClient(gatewayUrl, body.client_id, redirectUri);
  }

  get resource(): string {
    return `${this.gatewayUrl}/mcp`;
  }

  /** The authorization URL; `overrides` replace (or, as null, remove) single parameters. */
  authorizationUrl(pkce: PkcePair, overrides: Record<string, string | null> = {}): string {
    const params: Record<string, string | null> = {
      response_type: "code",
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      scope: "mcp",
      state: randomBytes(8).toString("hex"),
      code_challenge: pkce.challenge,
      code_challenge_method: "S256",
      resource: this.resource,
      ...overrides,
    };
    const url = new URL(`${this.gatewayUrl}/oauth/authorize`);
    for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
    return url.toString();
  }

  async exchangeCode(code: string, verifier: string, extra: Record<string, string> = {}) {
    return this.token({
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: this.redirectUri,
      client_id: this.clientId,
      resource: this.resource,
      ...extra,
    });
  }

  async refresh(refreshToken: string) {
    return this.token({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: this.clientId });
  }

  private async token(params: Record<string, string>) {
    const res = await fetch(`${this.gatewayUrl}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string | number | undefined> };
  }
}

/** POST /mcp tools/list with a bearer token: the cheapest authenticated MCP request. */
export function listToolsWith(gatewayUrl: string, token: string): Promise<Response> {
  return fetch(`${gatewayUrl}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
}
