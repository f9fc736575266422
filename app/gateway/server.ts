import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import compress from "koa-compress";
import { closeServer } from "../common/http.js";
import { errorHandler } from "../common/problem-details.js";
import { createCoreStatus } from "./admin/core-status.js";
import { createAdminRouter } from "./admin/routes.js";
import { createAdminSessions } from "./admin/session.js";
import { createAuditRecorder } from "./audit/audit-recorder.js";
import type { GatewayConfig } from "./config.js";
import { buildDefaultDeps, type GatewayDeps } from "./deps.js";
import { KeyService } from "./keys/key-service.js";
import { UsageTracker } from "./keys/usage.js";
import { createGatewayLogger } from "./logger.js";
import { createGatewayMetrics } from "./metrics.js";
import { AuthAttemptLimiter } from "./middleware/auth-attempts.js";
import { authenticate } from "./middleware/authenticate.js";
import { callerHasGone, reportStrayError } from "./middleware/caller-gone.js";
import { keyGenerationGuard } from "./middleware/generation-guard.js";
import { jsonNotFound } from "./middleware/not-found.js";
import { RATE_WINDOW_SECONDS, rateLimitPerKey } from "./middleware/rate-limit.js";
import { recordRequests } from "./middleware/request-record.js";
import { ProxyAdmission } from "./proxy/admission.js";
import { createKeyRateLimiter } from "./rate-limit/limiters.js";
import { TunnelRegistry } from "./registry/tunnel-registry.js";
import { apiKeyRoutes } from "./routes/api-keys.js";
import { auditRoutes } from "./routes/audit.js";
import { filesProxy } from "./routes/files-proxy.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoutes } from "./routes/metrics.js";
import { actionsDocumentRoutes } from "./routes/actions-openapi.js";
import { ngrokUrlRoutes } from "./routes/ngrok-urls.js";
import { observeStore } from "./store/store-observer.js";
import { GATEWAY_VERSION } from "./version.js";

export type { GatewayDeps } from "./deps.js";

const ADMIN_SESSION_TTL_MS = 8 * 3_600_000;

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
  const logger = given.logger ?? createGatewayLogger(config.logLevel);
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
  const sharedStore = config.rateLimitStore === "dynamodb";
  const attempts = new AuthAttemptLimiter({
    points: config.authFailuresPerMinutePerIp,
    durationSeconds: 60,
    // In memory only, the local reservation is the whole limit: no second counter needed.
    shared: sharedStore
      ? limiter({
          keyPrefix: "auth-failures",
          points: config.authFailuresPerMinutePerIp,
          durationSeconds: 60,
        })
      : undefined,
    logger,
    onRefused: () => metrics.rateLimited.inc({ limit: "auth_failures" }),
  });
  const perKey = createKeyRateLimiter(limiter, { keyPrefix: "key", durationSeconds: RATE_WINDOW_SECONDS });
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
          failures: attempts,
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
    attempts,
    usage,
    audit,
    metrics,
    oauth: oauth?.bearer,
  });
  const authenticated = [auth, rateLimitPerKey(perKey, metrics, logger, now)];
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

  const admission = new ProxyAdmission({
    total: config.proxyMaxConcurrent,
    perKey: config.proxyMaxConcurrentPerKey,
  });

  // With TRUST_PROXY, only the last TRUST_PROXY_HOPS X-Forwarded-For entries count (the ones
  // the trusted proxies appended); see middleware/client-address.ts.
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: config.trustProxyHops });
  app.on("error", reportStrayError(logger));
  app.use(recordRequests(logger, metrics));
  app.use(errorHandler(logger, { callerGone: callerHasGone }));
  // The hot path: a /files/* request (any spelling the router accepts) runs its route's chain
  // here, without the walk through every router. What follows is for the
  // Gateway's own answers (compression, the not-found body, OAuth), which a proxied answer never
  // needs: the Core's bytes and headers (its Vary included) go out untouched.
  const proxied = filesProxy({ tunnels, forward: deps.forward, authenticated, admission });
  app.use(proxied.fastPath);
  app.use(compress({ threshold: 1024 }));
  app.use(jsonNotFound());
  if (oauth) app.use(oauth.challenge).use(oauth.authorizationServer);
  const routers = [
    healthRoutes({ version: GATEWAY_VERSION }),
    actionsDocumentRoutes({ publicUrl: config.publicUrl }),
    apiKeyRoutes({ config, keys, usage, tunnels, audit, authenticated, generateGuard }),
    ngrokUrlRoutes({
      tunnels,
      keys,
      validateTunnelUrl: deps.validateTunnelUrl,
      audit,
      authenticated,
      maxJsonBodyBytes: config.maxJsonBodyBytes,
    }),
    proxied.router,
    auditRoutes({ sink: deps.auditSink, authenticated }),
    metricsRoutes({ registry: metrics.registry, authenticated }),
    createAdminRouter({
      sessions: adminSessions,
      adminApiKey: () => deps.secrets.adminApiKey(),
      authenticated,
      attempts,
      audit,
      gatewayMetrics: metrics,
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
