import type { Logger } from "../common/logger.js";
import type { GatewayConfig } from "./config.js";
import { createCoreForwarder } from "./proxy/core-forwarder.js";
import type { GatewayMetrics } from "./metrics.js";
import { validateTunnelUrl } from "./tunnels/validate-url.js";
import { limiterFactoryFor, memoryLimiterFactory, type LimiterFactory } from "./rate-limit/limiters.js";
import { createRateLimitDynamoClient, ensureRateLimitTable } from "./rate-limit/dynamodb-table.js";
import { createSecretProvider } from "./secrets/secret-provider.js";
import { keySecretsFrom } from "./secrets/key-secrets.js";
import { createAuditSink } from "./audit/audit-sink.js";
import { createRecordStore } from "./store/record-store.js";
import { createS3Client } from "./store/s3-client.js";
import type { AuditSink, RecordStore } from "./store/types.js";
import type { KeySecrets } from "./secrets/key-secrets.js";
import type { TunnelUrlValidator } from "./routes/ngrok-urls.js";
import type { CoreForwarder } from "./routes/files-proxy.js";
import type { AdminSessions } from "./admin/session.js";
import type { GatewayOAuthDeps } from "./oauth/index.js";

/** Everything the Gateway talks to; tests pass real instances, main.ts lets config choose. */
export interface GatewayDeps {
  logger: Logger;
  /** epoch milliseconds; a fake clock in tests */
  now: () => number;
  store: RecordStore;
  auditSink: AuditSink;
  secrets: KeySecrets;
  limiterFactory: LimiterFactory;
  validateTunnelUrl: TunnelUrlValidator;
  forward: CoreForwarder & { close?: () => Promise<void> };
  adminSessions: AdminSessions;
  metrics: GatewayMetrics;
  /** how the OAuth server fetches client metadata documents (tests: an https client id on loopback) */
  oauthFetch?: GatewayOAuthDeps["fetch"];
}

type Built = Pick<
  GatewayDeps,
  "store" | "auditSink" | "secrets" | "limiterFactory" | "validateTunnelUrl" | "forward"
>;

/**
 * The backends configuration chooses (store, audit sink, secrets, rate-limit store, tunnel URL
 * policy, proxy), made once at start-up; anything in `given` is used as is.
 */
export async function buildDefaultDeps(
  config: GatewayConfig,
  given: Partial<GatewayDeps>,
  logger: Logger,
  metrics: GatewayMetrics,
): Promise<Built> {
  const backend = config.backend;
  // One S3 client (one connection pool) for the record store and the audit sink.
  const s3Client =
    backend.kind === "s3"
      ? createS3Client({ region: backend.region, endpoint: backend.endpoint })
      : undefined;
  const store = given.store ?? createRecordStore(backend, { logger, s3Client });
  const secrets =
    given.secrets ??
    keySecretsFrom(
      await createSecretProvider(
        {
          ADMIN_API_KEY: config.adminApiKey,
          KEY_PEPPER: config.keyPepper,
          ADMIN_SECRET_ID: config.adminSecretId,
          AWS_REGION: config.awsRegion,
          AWS_ENDPOINT_URL: config.awsEndpointUrl,
        },
        { logger, refreshIntervalMs: config.secretRefreshMs },
      ),
    );
  const limiterFactory = given.limiterFactory ?? (await limiterFactoryOf(config, logger));
  return {
    store,
    secrets,
    limiterFactory,
    auditSink:
      given.auditSink ??
      createAuditSink(backend, { logger, s3Client, secrets: () => [secrets.adminApiKey()] }),
    validateTunnelUrl:
      given.validateTunnelUrl ??
      (async (raw) => {
        const url = await validateTunnelUrl(raw, {
          allowlist: config.tunnelHostAllowlist,
          allowInsecure: config.allowInsecureTunnels,
        });
        // Kept as the Core sent it (no trailing "/" added), so the Core recognises it on GET /ngrok-urls/self.
        return url.pathname === "/" ? url.origin : `${url.origin}${url.pathname}`;
      }),
    forward: given.forward ?? createCoreForwarder(config, metrics, logger),
  };
}

/**
 * RATE_LIMIT_STORE=dynamodb: one table shared by every instance. The table is made when missing
 * (dev, tests); in AWS the infrastructure owns it and the role may lack the rights to check.
 */
async function limiterFactoryOf(config: GatewayConfig, logger: Logger): Promise<LimiterFactory> {
  if (config.rateLimitStore === "memory") return memoryLimiterFactory;
  const dynamoClient = createRateLimitDynamoClient({
    region: config.awsRegion,
    endpoint: config.awsEndpointUrl,
  });
  const table = config.rateLimitTable!;
  try {
    await ensureRateLimitTable(dynamoClient, table);
  } catch (err) {
    logger.warn({ err, table }, "could not check the rate-limit table; assuming the infrastructure made it");
  }
  return limiterFactoryFor({ store: "dynamodb", table, dynamoClient });
}
