import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { parseGatewaySecret } from "../../app/gateway/secrets/gateway-secret-schema.js";
import { RunbookError, type OptionSpec } from "./cli.js";
import { requestJson } from "./json-http.js";
import { createAwsClients } from "./aws.js";
import { DEV_DIR, devDirOf, devGatewayAdminKey, runningDevGatewayUrl } from "./local-dev.js";
import type { Output } from "./output.js";
import { requireSetting, type SettingSource } from "./settings.js";

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

export interface AdminKey {
  key: string;
  /** where it came from, for the operator (never the key itself) */
  source: string;
}

/**
 * The admin key (never printed), from the first of: ADMIN_API_KEY set in the real environment;
 * in dev, the `make dev` Gateway's own key when that Gateway runs at `gatewayUrl`; ADMIN_API_KEY
 * from .env; the Secrets Manager secret ADMIN_SECRET_ID (or stack output secretArn).
 */
export async function resolveAdminKey(
  settings: { adminApiKey?: string; adminSecretId?: string; gatewayUrl?: string },
  secrets: SecretsManagerClient,
  where: { env?: string; processEnv?: Record<string, string | undefined>; devDir?: string } = {},
): Promise<AdminKey> {
  const processEnv = where.processEnv ?? process.env;
  if (settings.adminApiKey && processEnv.ADMIN_API_KEY === settings.adminApiKey)
    return { key: settings.adminApiKey, source: "ADMIN_API_KEY from the environment" };
  if (where.env === "dev" && settings.gatewayUrl) {
    const local = devGatewayAdminKey(settings.gatewayUrl, where.devDir ?? DEV_DIR);
    if (local) return local;
  }
  if (settings.adminApiKey) return { key: settings.adminApiKey, source: "ADMIN_API_KEY from .env" };
  if (!settings.adminSecretId) {
    throw new RunbookError(
      "no admin key: start make dev (its Gateway's key is found by itself), or set ADMIN_API_KEY, or ADMIN_SECRET_ID (or stack output secretArn)",
    );
  }
  const res = await secrets.send(new GetSecretValueCommand({ SecretId: settings.adminSecretId }));
  return {
    key: parseGatewaySecret(settings.adminSecretId, res.SecretString).admin_api_key,
    source: `the Secrets Manager secret ${settings.adminSecretId}`,
  };
}

type GatewaySettings = { adminApiKey?: string; adminSecretId?: string; gatewayUrl?: string };
type AdminContext = {
  env: string;
  environment: Record<string, string | undefined>;
  out: Output;
  /** the real environment (without .env) and the checkout whose make dev state counts */
  io: { env: Record<string, string | undefined>; cwd: string };
};

/** The Gateway the settings name and its admin key; says which Gateway and where the key came from. */
export async function resolveGatewayAdmin(
  settings: GatewaySettings,
  ctx: AdminContext,
): Promise<{ url: string; adminKey: string }> {
  // In dev with no URL given, the running make dev Gateway is the one meant.
  const devDir = devDirOf(ctx.io.cwd);
  const given = settings.gatewayUrl ?? (ctx.env === "dev" ? runningDevGatewayUrl(devDir) : undefined);
  const url = requireSetting(given, "the Gateway URL", GATEWAY_SETTINGS.gatewayUrl).replace(/\/$/, "");
  const { secrets } = createAwsClients(ctx.environment);
  const admin = await resolveAdminKey({ ...settings, gatewayUrl: url }, secrets, {
    env: ctx.env,
    processEnv: ctx.io.env,
    devDir,
  });
  ctx.out.note(`Gateway ${url}, admin key: ${admin.source}`);
  return { url, adminKey: admin.key };
}

/** The admin client for the Gateway the settings name. */
export async function connectGatewayAdmin(
  settings: GatewaySettings,
  ctx: AdminContext,
): Promise<GatewayAdminClient> {
  const { url, adminKey } = await resolveGatewayAdmin(settings, ctx);
  return new GatewayAdminClient(url, adminKey);
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
