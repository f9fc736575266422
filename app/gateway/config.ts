import { z } from "zod";
import { parseConfig, readEnvironment } from "../common/config.js";
import type { StoreBackend } from "./store/record-store.js";
import { MIN_SECRET_LENGTH } from "./secrets/gateway-secret-schema.js";
import { DEFAULT_TUNNEL_HOST_ALLOWLIST, isValidHostPattern } from "./tunnels/host-allowlist.js";
import {
  envBoolean,
  envInt,
  envList,
  envOptionalString,
  envPort,
  envUrl,
  logLevel,
} from "../common/env-schema.js";

const MIN_ADMIN_KEY_LENGTH = MIN_SECRET_LENGTH;
const MIN_PEPPER_LENGTH = MIN_SECRET_LENGTH;

/**
 * Every variable the Gateway reads, with its default. Names are the environment's; the parsed
 * object below renames them to camelCase once, so the rest of the code never sees raw strings.
 */
const gatewayEnvSchema = z
  .object({
    GATEWAY_HOST: z.string().default("127.0.0.1"),
    GATEWAY_PORT: envPort(8080),
    GATEWAY_PUBLIC_URL: envUrl(),
    TRUST_PROXY: envBoolean(false),
    TRUST_PROXY_HOPS: envInt(1, 1, 10),
    STORE: z.enum(["file", "s3"], { error: 'expected "file" or "s3"' }).default("file"),
    DATA_DIR: z.string().default(".data/gateway"),
    S3_BUCKET: envOptionalString(),
    S3_PREFIX: z.string().default(""),
    KMS_KEY_ID: envOptionalString(),
    AWS_REGION: z.string().default("us-east-1"),
    AWS_ENDPOINT_URL: envUrl(),
    ADMIN_API_KEY: envOptionalString(),
    ADMIN_SECRET_ID: envOptionalString(),
    KEY_PEPPER: envOptionalString(),
    PUBLIC_KEY_GENERATION: envBoolean(false),
    PUBLIC_KEYS_PER_HOUR_PER_IP: envInt(5, 1, 10_000),
    TUNNEL_HOST_ALLOWLIST: envList([...DEFAULT_TUNNEL_HOST_ALLOWLIST]),
    ALLOW_INSECURE_TUNNELS: envBoolean(false),
    DEFAULT_RPM: envInt(60, 1, 1_000_000),
    MAX_RPM: envInt(10_000, 1, 1_000_000),
    DEFAULT_EXPIRATION_DAYS: envInt(30, 1, 3650),
    MAX_EXPIRATION_DAYS: envInt(365, 1, 3650),
    ROTATION_GRACE_HOURS: envInt(24, 0, 24 * 90),
    REVOKED_RETENTION_DAYS: envInt(30, 0, 3650),
    AUTH_FAILURES_PER_MINUTE_PER_IP: envInt(20, 1, 100_000),
    KEY_CACHE_TTL_SECONDS: envInt(5, 0, 3600),
    USAGE_FLUSH_SECONDS: envInt(10, 1, 3600),
    SECRET_REFRESH_SECONDS: envInt(300, 1, 86400),
    RATE_LIMIT_STORE: z
      .enum(["memory", "dynamodb"], { error: 'expected "memory" or "dynamodb"' })
      .default("memory"),
    RATE_LIMIT_TABLE: envOptionalString(),
    PROXY_CONNECT_TIMEOUT_MS: envInt(5_000, 100, 120_000),
    PROXY_RESPONSE_TIMEOUT_MS: envInt(60_000, 100, 600_000),
    PROXY_TOTAL_TIMEOUT_MS: envInt(40_000, 100, 3_600_000),
    PROXY_MAX_CONCURRENT: envInt(512, 1, 100_000),
    PROXY_MAX_CONCURRENT_PER_KEY: envInt(32, 1, 100_000),
    PROXY_MEMORY_BUDGET_BYTES: envInt(64 * 1_048_576, 1_048_576, 4096 * 1_048_576),
    PROXY_MAX_REQUEST_BYTES: envInt(1_048_576, 1024, 100 * 1_048_576),
    PROXY_MAX_RESPONSE_BYTES: envInt(20 * 1_048_576, 1024, 1024 * 1_048_576),
    MAX_JSON_BODY_BYTES: envInt(16_384, 256, 1_048_576),
    LOG_LEVEL: logLevel,
    // OAuth 2.1 for /mcp (app/gateway/oauth); on by default when GATEWAY_PUBLIC_URL names the issuer.
    OAUTH_ENABLED: envBoolean(true),
    OAUTH_ACCESS_TOKEN_TTL_SECONDS: envInt(900, 1, 86_400),
    OAUTH_REFRESH_TOKEN_TTL_DAYS: envInt(30, 1, 365),
  })
  // `when`: check these rules even when another variable is bad, so one run names every problem.
  .superRefine(
    (env, ctx) => {
      const problem = (path: string, message: string) =>
        ctx.addIssue({ code: "custom", path: [path], message });
      if (env.STORE === "s3" && !env.S3_BUCKET) problem("S3_BUCKET", "is required when STORE=s3");
      if (!env.ADMIN_API_KEY && !env.ADMIN_SECRET_ID) {
        problem(
          "ADMIN_API_KEY",
          "set ADMIN_API_KEY or ADMIN_SECRET_ID (a Secrets Manager secret with the admin key)",
        );
      }
      if (env.ADMIN_SECRET_ID && (env.ADMIN_API_KEY || env.KEY_PEPPER)) {
        problem("ADMIN_SECRET_ID", "set either ADMIN_SECRET_ID or ADMIN_API_KEY + KEY_PEPPER, not both");
      }
      if (env.ADMIN_API_KEY && env.ADMIN_API_KEY.length < MIN_ADMIN_KEY_LENGTH) {
        problem("ADMIN_API_KEY", `must be at least ${MIN_ADMIN_KEY_LENGTH} characters`);
      }
      if (!env.KEY_PEPPER && !env.ADMIN_SECRET_ID) {
        problem("KEY_PEPPER", "is required unless ADMIN_SECRET_ID provides the peppers");
      }
      if (env.KEY_PEPPER && env.KEY_PEPPER.length < MIN_PEPPER_LENGTH) {
        problem("KEY_PEPPER", `must be at least ${MIN_PEPPER_LENGTH} characters`);
      }
      if (env.RATE_LIMIT_STORE === "dynamodb" && !env.RATE_LIMIT_TABLE) {
        problem("RATE_LIMIT_TABLE", "is required when RATE_LIMIT_STORE=dynamodb");
      }
      if (env.DEFAULT_RPM > env.MAX_RPM) problem("DEFAULT_RPM", `must not exceed MAX_RPM (${env.MAX_RPM})`);
      if (env.DEFAULT_EXPIRATION_DAYS > env.MAX_EXPIRATION_DAYS) {
        problem(
          "DEFAULT_EXPIRATION_DAYS",
          `must not exceed MAX_EXPIRATION_DAYS (${env.MAX_EXPIRATION_DAYS})`,
        );
      }
      const badHosts = env.TUNNEL_HOST_ALLOWLIST.filter((h) => !isValidHostPattern(h));
      if (badHosts.length > 0)
        problem(
          "TUNNEL_HOST_ALLOWLIST",
          `expected host names or *.domain patterns, got ${badHosts.map((h) => `"${h}"`).join(", ")}`,
        );
      if (env.TUNNEL_HOST_ALLOWLIST.length === 0 && !env.ALLOW_INSECURE_TUNNELS) {
        problem("TUNNEL_HOST_ALLOWLIST", "must name at least one tunnel domain");
      }
    },
    { when: () => true },
  )
  .transform((env) => ({
    host: env.GATEWAY_HOST,
    port: env.GATEWAY_PORT,
    publicUrl: env.GATEWAY_PUBLIC_URL,
    trustProxy: env.TRUST_PROXY,
    trustProxyHops: env.TRUST_PROXY_HOPS,
    store: env.STORE,
    // Checked above: STORE=s3 has a bucket.
    backend:
      env.STORE === "s3"
        ? ({
            kind: "s3",
            bucket: env.S3_BUCKET!,
            prefix: env.S3_PREFIX,
            kmsKeyId: env.KMS_KEY_ID,
            region: env.AWS_REGION,
            endpoint: env.AWS_ENDPOINT_URL,
          } satisfies StoreBackend)
        : ({ kind: "file", dataDir: env.DATA_DIR } satisfies StoreBackend),
    dataDir: env.DATA_DIR,
    s3Bucket: env.S3_BUCKET,
    s3Prefix: env.S3_PREFIX,
    kmsKeyId: env.KMS_KEY_ID,
    awsRegion: env.AWS_REGION,
    awsEndpointUrl: env.AWS_ENDPOINT_URL,
    adminApiKey: env.ADMIN_API_KEY,
    adminSecretId: env.ADMIN_SECRET_ID,
    keyPepper: env.KEY_PEPPER,
    publicKeyGeneration: env.PUBLIC_KEY_GENERATION,
    publicKeysPerHourPerIp: env.PUBLIC_KEYS_PER_HOUR_PER_IP,
    tunnelHostAllowlist: env.TUNNEL_HOST_ALLOWLIST,
    allowInsecureTunnels: env.ALLOW_INSECURE_TUNNELS,
    defaultRpm: env.DEFAULT_RPM,
    maxRpm: env.MAX_RPM,
    defaultExpirationDays: env.DEFAULT_EXPIRATION_DAYS,
    maxExpirationDays: env.MAX_EXPIRATION_DAYS,
    rotationGraceHours: env.ROTATION_GRACE_HOURS,
    revokedRetentionDays: env.REVOKED_RETENTION_DAYS,
    authFailuresPerMinutePerIp: env.AUTH_FAILURES_PER_MINUTE_PER_IP,
    keyCacheTtlMs: env.KEY_CACHE_TTL_SECONDS * 1000,
    usageFlushMs: env.USAGE_FLUSH_SECONDS * 1000,
    secretRefreshMs: env.SECRET_REFRESH_SECONDS * 1000,
    rateLimitStore: env.RATE_LIMIT_STORE,
    rateLimitTable: env.RATE_LIMIT_TABLE,
    proxyConnectTimeoutMs: env.PROXY_CONNECT_TIMEOUT_MS,
    proxyResponseTimeoutMs: env.PROXY_RESPONSE_TIMEOUT_MS,
    proxyTotalTimeoutMs: env.PROXY_TOTAL_TIMEOUT_MS,
    proxyMaxConcurrent: env.PROXY_MAX_CONCURRENT,
    proxyMaxConcurrentPerKey: env.PROXY_MAX_CONCURRENT_PER_KEY,
    proxyMemoryBudgetBytes: env.PROXY_MEMORY_BUDGET_BYTES,
    proxyMaxRequestBytes: env.PROXY_MAX_REQUEST_BYTES,
    proxyMaxResponseBytes: env.PROXY_MAX_RESPONSE_BYTES,
    maxJsonBodyBytes: env.MAX_JSON_BODY_BYTES,
    logLevel: env.LOG_LEVEL,
    // Tokens name their issuer and audience, so OAuth needs the Gateway's public URL.
    oauthEnabled: env.OAUTH_ENABLED && env.GATEWAY_PUBLIC_URL !== undefined,
    oauthAccessTokenTtlSeconds: env.OAUTH_ACCESS_TOKEN_TTL_SECONDS,
    oauthRefreshTokenTtlSeconds: env.OAUTH_REFRESH_TOKEN_TTL_DAYS * 86_400,
  }));

export type GatewayConfig = z.output<typeof gatewayEnvSchema>;

/** Validates the Gateway's environment; throws one ConfigError naming every bad variable. */
export function loadGatewayConfig(
  env: Record<string, string | undefined> = readEnvironment(),
): GatewayConfig {
  return parseConfig(gatewayEnvSchema, env);
}
