import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { closeServer, requestId, safeEqual } from "../common/http.js";
import { errorHandler } from "../common/problem-details.js";
import { createLogger, type Logger } from "../common/logger.js";
import { createCoreStatus } from "./admin/core-status.js";
import { createAdminRouter } from "./admin/routes.js";
import { createAdminSessions, type AdminSessions } from "./admin/session.js";
import { createAuditRecorder } from "./audit-recorder.js";
import type { GatewayConfig } from "./config.js";
import { buildDefaultDeps } from "./default-deps.js";
import { KeyService } from "./keys/key-service.js";
import { UsageTracker } from "./keys/usage.js";
import { createGatewayMetrics, type GatewayMetrics } from "./metrics.js";
import { AuthFailureLimiter } from "./middleware/auth-failure-limit.js";
import { authenticate } from "./middleware/authenticate.js";
import { keyGenerationGuard } from "./middleware/generation-guard.js";
import { httpMetrics } from "./middleware/http-metrics.js";
import { jsonNotFound } from "./middleware/not-found.js";
import { RATE_WINDOW_SECONDS, rateLimitPerKey } from "./middleware/rate-limit.js";
import { gatewayRequestLogger } from "./middleware/request-log.js";
import type { LimiterFactory } from "./rate-limiters.js";
import { TunnelRegistry } from "./registry/tunnel-registry.js";
import { apiKeyRoutes } from "./routes/api-keys.js";
import { auditRoutes } from "./routes/audit.js";
import { filesProxyRoutes, type CoreForwarder } from "./routes/files-proxy.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoutes } from "./routes/metrics.js";
import { actionsDocumentRoutes } from "./routes/actions-openapi.js";
import type { GatewayOAuthDeps } from "./oauth/index.js";
import { ngrokUrlRoutes, type TunnelUrlValidator } from "./routes/ngrok-urls.js";
import type { KeySecrets } from "./secrets-source.js";
import { observeStore } from "./store-observer.js";
import type { AuditSink, RecordStore } from "./store/types.js";
import { GATEWAY_VERSION } from "./version.js";

const ADMIN_SESSION_TTL_MS = 8 * 3_600_000;

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

export interface Gateway {
  app: Koa;
  server?: Server;
  listen(): Promise<string>;
  close(): Promise<void>;
  /** for tests and ops: write pending usage counters now */
  flushUsage(): Promise<void>;
}

export async function createGateway(
  config: GatewayConfig,
  given: Partial<GatewayDeps> = {},
): Promise<Gateway> {
  const logger = given.logger ?? createLogger({ name: "gateway", level: config.logLevel });
  const now = given.now ?? Date.now;
  const metrics = given.metrics ?? createGatewayMetrics({ defaultMetrics: true });
  const deps = { ...(await buildDefaultDeps(config, given, logger, metrics)), logger, now, metrics };
  const store = observeStore(deps.store, (op, kind, outcome) =>
    metrics.storeCalls.inc({ op, kind: kind ?? "none", outcome }),
  );
  const adminSessions = given.adminSessions ?? createAdminSessions({ ttlMs: ADMIN_SESSION_TTL_MS, now });

  const keys = new KeyService(
    store,
    deps.secrets.peppers,
    {
      defaultRpm: config.defaultRpm,
      defaultExpirationDays: config.defaultExpirationDays,
      rotationGraceHours: config.rotationGraceHours,
      revokedRetentionDays: config.revokedRetentionDays,
    },
    now,
    config.keyCacheTtlMs,
  );
  const tunnels = new TunnelRegistry(store, deps.secrets.peppers, now, logger, config.keyCacheTtlMs);
  const usage = new UsageTracker(store, now, logger);
  keys.onPurge((keyId) => {
    tunnels.forget(keyId);
    usage.forget(keyId);
  });
  const limiter = deps.limiterFactory;
  const failures = new AuthFailureLimiter(
    limiter({ keyPrefix: "auth-failures", points: config.authFailuresPerMinutePerIp, durationSeconds: 60 }),
    logger,
  );
  // Counts only; each key's own limit is applied per request (see rateLimitPerKey).
  const perKeyCounter = limiter({
    keyPrefix: "key",
    points: Number.MAX_SAFE_INTEGER,
    durationSeconds: RATE_WINDOW_SECONDS,
  });
  const audit = createAuditRecorder(deps.auditSink, logger, now);
  // OAuth 2.1 for /mcp (app/gateway/oauth): needs GATEWAY_PUBLIC_URL, which names the issuer.
  // Loaded only when on: oidc-provider warns at import time on Node 20 (it targets Node 22).
  const oauth = config.oauthEnabled
    ? await (
        await import("./oauth/index.js")
      ).createGatewayOAuth(
        {
          issuer: config.publicUrl!,
          accessTokenTtlSeconds: config.oauthAccessTokenTtlSeconds,
          refreshTokenTtlSeconds: config.oauthRefreshTokenTtlSeconds,
          trustProxy: config.trustProxy,
          keyCacheTtlMs: config.keyCacheTtlMs,
        },
        {
          store,
          peppers: deps.secrets.peppers,
          adminApiKey: deps.secrets.adminApiKey,
          keys,
          failures,
          registrationLimiter: limiter({ keyPrefix: "oauth-register", points: 30, durationSeconds: 3600 }),
          audit,
          logger,
          now,
          fetch: given.oauthFetch,
        },
      )
    : undefined;
  const auth = authenticate({
    keys,
    adminApiKey: deps.secrets.adminApiKey,
    adminSessions,
    failures,
    usage,
    audit,
    metrics,
    logger,
    oauth: oauth?.bearer,
  });
  const authenticated = [auth, rateLimitPerKey(perKeyCounter, metrics, logger, now)];
  const generateGuard = keyGenerationGuard({
    authenticated,
    publicGeneration: config.publicKeyGeneration,
    limiter: limiter({
      keyPrefix: "public-keys",
      points: config.publicKeysPerHourPerIp,
      durationSeconds: 3600,
    }),
    metrics,
  });

  // The admin page's "is its Core answering" probe, through the same SSRF guard as the proxy.
  const coreStatus = createCoreStatus({
    describe: (keyId) => tunnels.describe(keyId),
    allowInsecure: config.allowInsecureTunnels,
  });

  const app = new Koa({ proxy: config.trustProxy });
  app.use(requestId());
  app.use(gatewayRequestLogger(logger));
  app.use(httpMetrics(metrics));
  app.use(errorHandler(logger));
  app.use(jsonNotFound());
  if (oauth) app.use(oauth.challenge).use(oauth.authorizationServer);
  const routers = [
    healthRoutes({ version: GATEWAY_VERSION }),
    actionsDocumentRoutes({ publicUrl: config.publicUrl }),
    apiKeyRoutes({ config, keys, usage, tunnels, audit, authenticated, generateGuard }),
    ngrokUrlRoutes({
      tunnels,
      validateTunnelUrl: deps.validateTunnelUrl,
      audit,
      authenticated,
      maxJsonBodyBytes: config.maxJsonBodyBytes,
    }),
    filesProxyRoutes({ tunnels, forward: deps.forward, authenticated }),
    auditRoutes({ sink: deps.auditSink, authenticated }),
    metricsRoutes({ registry: metrics.registry, authenticated }),
    createAdminRouter({
      sessions: adminSessions,
      verifyAdminKey: (key) => safeEqual(key, deps.secrets.adminApiKey()),
      audit: deps.auditSink,
      logger,
      store,
      version: GATEWAY_VERSION,
      now,
      metrics: metrics.registry,
      coreStatus: (keyId) => coreStatus.status(keyId),
    }),
    ...(oauth?.routers ?? []),
  ];
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods());

  usage.start(config.usageFlushMs);
  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  const gateway: Gateway = {
    app,
    async listen() {
      server = app.listen(config.port, config.host);
      gateway.server = server;
      await new Promise<void>((resolve, reject) => {
        server!.once("listening", resolve);
        server!.once("error", reject);
      });
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(":") ? `[${config.host}]` : config.host;
      return `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
    },
    close() {
      // Idempotent: a signal handler and a test may both ask.
      closing ??= (async () => {
        if (server) await closeServer(server, 5_000);
        await usage.stop();
        await deps.forward.close?.();
        await coreStatus.close();
        deps.secrets.close?.();
      })();
      return closing;
    },
    flushUsage: () => usage.flush(),
  };
  return gateway;
}
