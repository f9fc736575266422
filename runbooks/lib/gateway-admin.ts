import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { parseGatewaySecret } from "../../app/gateway/secrets/gateway-secret-schema.js";
import { RunbookError, type OptionSpec } from "./cli.js";
import { requestJson } from "./json-http.js";
import type { SettingSource } from "./settings.js";

/** Where the Gateway and its admin key are found: flags → environment → stack outputs. */
export const GATEWAY_SETTINGS = {
  gatewayUrl: { flag: "url", env: ["GATEWAY_URL"], output: "gatewayUrl" },
  adminApiKey: { env: ["ADMIN_API_KEY"] },
  adminSecretId: { flag: "secret-id", env: ["ADMIN_SECRET_ID"], output: "secretArn" },
} satisfies Record<string, SettingSource>;

/** The command-line options behind GATEWAY_SETTINGS' flags, for every tool that talks to the admin API. */
export const GATEWAY_OPTIONS = {
  url: {
    type: "string",
    arg: "<url>",
    description: "Gateway URL (else GATEWAY_URL, else stack output gatewayUrl)",
  },
  "secret-id": {
    type: "string",
    arg: "<arn>",
    description:
      "admin secret when ADMIN_API_KEY is unset (else ADMIN_SECRET_ID, else stack output secretArn)",
  },
} satisfies Record<string, OptionSpec>;

/** The admin key: ADMIN_API_KEY, else read from the Secrets Manager secret (never printed). */
export async function resolveAdminKey(
  settings: { adminApiKey?: string; adminSecretId?: string },
  secrets: SecretsManagerClient,
): Promise<string> {
  if (settings.adminApiKey) return settings.adminApiKey;
  if (!settings.adminSecretId) {
    throw new RunbookError("no admin key: set ADMIN_API_KEY, or ADMIN_SECRET_ID (or stack output secretArn)");
  }
  const res = await secrets.send(new GetSecretValueCommand({ SecretId: settings.adminSecretId }));
  return parseGatewaySecret(settings.adminSecretId, res.SecretString).admin_api_key;
}

export interface AdminReply<T> {
  status: number;
  body: T;
}

/**
 * The Gateway's admin API over HTTP, authenticated with the admin key in `X-API-KEY` (never in a
 * URL). A non-2xx answer becomes a RunbookError carrying the Gateway's `detail` message.
 */
export class GatewayAdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly adminKey: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async request<T>(method: string, path: string, body?: unknown, key = this.adminKey): Promise<T> {
    const reply = await this.send<T>(method, path, body, key);
    if (reply.status >= 200 && reply.status < 300) return reply.body;
    const { detail, raw } = reply.body as { detail?: unknown; raw?: unknown };
    throw new RunbookError(
      `Gateway answered ${reply.status} to ${method} ${path}: ${typeof detail === "string" ? detail : typeof raw === "string" ? raw : "no detail"}`,
    );
  }

  /** The raw answer, whatever its status (for probes such as "is this key accepted yet?"). */
  async send<T>(method: string, path: string, body?: unknown, key = this.adminKey): Promise<AdminReply<T>> {
    try {
      const answer = await requestJson(new URL(path, `${this.baseUrl}/`), {
        method,
        key,
        body,
        timeoutMs: this.timeoutMs,
      });
      return { status: answer.status, body: answer.body as T };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new RunbookError(
        `cannot reach the Gateway at ${this.baseUrl} (${cause}); if it is down, see --store`,
      );
    }
  }
}
