import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClient as SecretsClient,
} from "@aws-sdk/client-secrets-manager";
import type { Logger } from "../../common/logger.js";
import { awsErrorCode, callAws, sdkRetrySettings, type RetryPolicy } from "../store/aws-retry.js";
import { StoreUnavailableError } from "../store/errors.js";
import { MIN_SECRET_LENGTH, parseGatewaySecret, SecretConfigError } from "./gateway-secret-schema.js";

/** The admin key and the key peppers, as the Gateway uses them. */
export interface GatewaySecrets {
  source: "env" | "secrets-manager";
  adminApiKey: string;
  /** pepper id new key hashes use */
  currentPepperId: string;
  /** every pepper by id, old ones included so keys hashed with them still verify */
  peppers: ReadonlyMap<string, string>;
  loadedAt: string;
}

export interface SecretProvider {
  current(): GatewaySecrets;
  /** the pepper with this id, or undefined (e.g. a record hashed with a pepper since removed) */
  pepper(id: string): string | undefined;
  /** re-reads the source now; on failure keeps the last good secrets and rejects */
  refresh(): Promise<GatewaySecrets>;
  /** called after a refresh that changed the admin key or the peppers; returns an unsubscribe */
  onChange(listener: (secrets: GatewaySecrets) => void): () => void;
  /** stops the periodic refresh */
  close(): void;
}

/** The slice of the Gateway configuration secrets come from (names as the environment variables). */
export interface SecretsConfig {
  ADMIN_API_KEY?: string;
  KEY_PEPPER?: string;
  ADMIN_SECRET_ID?: string;
  AWS_REGION?: string;
  AWS_ENDPOINT_URL?: string;
}

/** How often a Secrets Manager secret is re-read: a rotated admin key or pepper takes effect within this. */
export const DEFAULT_SECRET_REFRESH_MS = 5 * 60_000;

export interface SecretProviderDeps {
  secretsClient?: SecretsClient;
  logger?: Logger;
  refreshIntervalMs?: number;
  now?: () => Date;
  /** runs `task` every `ms`, returns a cancel function (tests pass a manual scheduler) */
  scheduleEvery?: (task: () => void, ms: number) => () => void;
}

/** ENV pepper id: keys hashed with KEY_PEPPER from the environment record this id. */
export const ENV_PEPPER_ID = "env";

/**
 * Loads the secrets once (throws SecretConfigError or StoreUnavailableError at start-up) and,
 * for Secrets Manager, re-reads them every `refreshIntervalMs` (default 5 minutes) so the
 * rotate-admin-secret runbook needs no restart; `refresh()` forces a re-read. A failed periodic
 * re-read is logged and the last good secrets stay in use.
 */
export async function createSecretProvider(
  config: SecretsConfig,
  deps: SecretProviderDeps = {},
): Promise<SecretProvider> {
  const now = deps.now ?? (() => new Date());
  const fromSecretsManager = config.ADMIN_SECRET_ID !== undefined && config.ADMIN_SECRET_ID !== "";
  if (fromSecretsManager && (config.ADMIN_API_KEY || config.KEY_PEPPER)) {
    throw new SecretConfigError("Set either ADMIN_SECRET_ID or ADMIN_API_KEY + KEY_PEPPER, not both");
  }
  const load = fromSecretsManager
    ? secretsManagerLoader(config.ADMIN_SECRET_ID!, config, deps, now)
    : envLoader(config, now);

  let secrets = await load();
  const listeners = new Set<(s: GatewaySecrets) => void>();
  const refresh = async () => {
    const next = await load();
    const changed = fingerprint(next) !== fingerprint(secrets);
    secrets = next;
    if (changed) for (const listener of listeners) listener(next);
    return next;
  };
  const schedule = deps.scheduleEvery ?? everyUnref;
  const cancel = fromSecretsManager
    ? schedule(() => {
        refresh().catch((err: unknown) =>
          deps.logger?.warn(
            { err: errorSummary(err) },
            "secret refresh failed; keeping the last good secrets",
          ),
        );
      }, deps.refreshIntervalMs ?? DEFAULT_SECRET_REFRESH_MS)
    : () => undefined;

  return {
    current: () => secrets,
    pepper: (id) => secrets.peppers.get(id),
    refresh,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: cancel,
  };
}

function envLoader(config: SecretsConfig, now: () => Date): () => Promise<GatewaySecrets> {
  const problems: string[] = [];
  if (!config.ADMIN_API_KEY) problems.push("ADMIN_API_KEY: is required (or set ADMIN_SECRET_ID)");
  else if (config.ADMIN_API_KEY.length < MIN_SECRET_LENGTH)
    problems.push(`ADMIN_API_KEY: must be at least ${MIN_SECRET_LENGTH} characters`);
  if (!config.KEY_PEPPER) problems.push("KEY_PEPPER: is required (or set ADMIN_SECRET_ID)");
  else if (config.KEY_PEPPER.length < MIN_SECRET_LENGTH)
    problems.push(`KEY_PEPPER: must be at least ${MIN_SECRET_LENGTH} characters`);
  if (problems.length > 0) throw new SecretConfigError(`Invalid configuration: ${problems.join("; ")}`);
  // The environment cannot change under a running process: a refresh answers the same secrets.
  const secrets: GatewaySecrets = {
    source: "env",
    adminApiKey: config.ADMIN_API_KEY!,
    currentPepperId: ENV_PEPPER_ID,
    peppers: new Map([[ENV_PEPPER_ID, config.KEY_PEPPER!]]),
    loadedAt: now().toISOString(),
  };
  return async () => secrets;
}

function secretsManagerLoader(
  secretId: string,
  config: SecretsConfig,
  deps: SecretProviderDeps,
  now: () => Date,
): () => Promise<GatewaySecrets> {
  const client =
    deps.secretsClient ??
    createSecretsManagerClient({ region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL });
  return async () => {
    let secretString: string | undefined;
    try {
      const result = await callAws(() => client.send(new GetSecretValueCommand({ SecretId: secretId })), {
        what: "Secrets Manager",
        isFinal: (err) => !isTransient(err),
      });
      secretString = result.SecretString;
    } catch (err) {
      throw describeReadFailure(secretId, err);
    }
    const secret = parseGatewaySecret(secretId, secretString);
    return {
      source: "secrets-manager",
      adminApiKey: secret.admin_api_key,
      currentPepperId: secret.current_pepper,
      peppers: new Map(Object.entries(secret.peppers)),
      loadedAt: now().toISOString(),
    };
  };
}

/** A Secrets Manager client retrying with the SDK's standard strategy (store/aws-retry.ts). */
export function createSecretsManagerClient(
  options: { region?: string; endpoint?: string; retry?: RetryPolicy } = {},
): SecretsManagerClient {
  return new SecretsManagerClient({
    region: options.region ?? "us-east-1",
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...sdkRetrySettings(options.retry),
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  });
}

function isTransient(err: unknown): boolean {
  const code = awsErrorCode(err);
  return ![
    "ResourceNotFoundException",
    "AccessDeniedException",
    "DecryptionFailure",
    "InvalidRequestException",
    "InvalidParameterException",
  ].includes(code ?? "");
}

function describeReadFailure(secretId: string, err: unknown): Error {
  if (err instanceof StoreUnavailableError) return err;
  const code = awsErrorCode(err);
  if (code === "ResourceNotFoundException") {
    return new SecretConfigError(`Secret "${secretId}" was not found: check ADMIN_SECRET_ID and AWS_REGION`);
  }
  if (code === "AccessDeniedException" || code === "DecryptionFailure") {
    return new SecretConfigError(
      `Secret "${secretId}" cannot be read (${code}): check the role's access to the secret and its KMS key`,
    );
  }
  return new SecretConfigError(`Secret "${secretId}" cannot be read (${code ?? "unknown error"})`);
}

function fingerprint(s: GatewaySecrets): string {
  return JSON.stringify([s.adminApiKey, s.currentPepperId, [...s.peppers.entries()].sort()]);
}

function errorSummary(err: unknown): { name?: string; message?: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : {};
}

function everyUnref(task: () => void, ms: number): () => void {
  const timer = setInterval(task, ms);
  timer.unref();
  return () => clearInterval(timer);
}
