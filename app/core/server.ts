import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { closeServer, requestId, requestLogger } from "../common/http.js";
import { errorHandler } from "../common/problem-details.js";
import { NotFoundError } from "../common/errors.js";
import { createLogger, type Logger } from "../common/logger.js";
import type { CoreConfig } from "./config.js";
import { CoreCredentials } from "./credentials.js";
import { compressAnswers } from "./http/compression.js";
import { createCoreRouter } from "./http/router.js";
import { openProject, type Project } from "./project/project.js";
import { GatewayRegistration } from "./registration.js";
import type { NgrokForward } from "./tunnel/ngrok.js";
import type { TunnelProvider } from "./tunnel/provider.js";
import { selectTunnel } from "./tunnel/select.js";

export interface CoreDeps {
  logger: Logger;
  /** Overrides the tunnel chosen from config. */
  tunnel: TunnelProvider;
  /** The `@ngrok/ngrok` forward function (the external SDK seam). */
  ngrokForward: NgrokForward;
  /** Used to reach the Gateway. */
  fetch: typeof fetch;
  random: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  clockNs: () => bigint;
}

export interface Core {
  app: Koa;
  server?: Server;
  project: Project;
  credentials: CoreCredentials;
  registration?: GatewayRegistration;
  /** Public URL once known (after listen). */
  publicUrl(): string | undefined;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export function createCore(config: CoreConfig, deps: Partial<CoreDeps> = {}): Core {
  const logger = deps.logger ?? createLogger({ name: "core", level: config.logLevel });
  const project = openProject({
    root: config.projectPath,
    ignoreFileNames: config.ignoreFileNames,
    limits: {
      maxFileBytes: config.limits.maxFileBytes,
      maxFilesPerRequest: config.limits.maxFilesPerRequest,
      maxRequestBytes: config.limits.maxRequestBytes,
      maxResults: config.limits.searchMaxResults,
      maxFiles: config.limits.searchMaxFiles,
      maxQueryLength: config.limits.searchMaxQueryLength,
    },
    cacheMaxBytes: config.cacheMaxBytes,
    search: {
      deadlineMs: config.limits.searchDeadlineMs,
      maxFileBytes: config.limits.searchMaxFileBytes,
      maxResponseChars: config.limits.maxResponseChars,
      ...config.search,
    },
    watch: config.treeWatch,
    maxWatchedDirs: config.treeWatchMaxDirs,
    onWarning: (message) => logger.warn(message),
    onWatching: (watched, unwatched) =>
      logger.debug({ watched, stat_checked: unwatched }, "directory watches in place"),
    ...(deps.clockNs ? { clockNs: deps.clockNs } : {}),
  });
  const credentials = new CoreCredentials(config.apiKey);
  const tunnel = deps.tunnel ?? selectTunnel(config, logger, deps.ngrokForward);
  const registration = config.gatewayUrl
    ? new GatewayRegistration({
        gatewayUrl: config.gatewayUrl,
        apiKey: config.apiKey,
        credentials,
        logger,
        backoff: config.registrationBackoff,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        ...(deps.random ? { random: deps.random } : {}),
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      })
    : undefined;
  let publicUrl: string | undefined;
  let closing = false;

  const app = new Koa();
  app.proxy = false;
  const router = createCoreRouter({ config, project, credentials, publicUrl: () => publicUrl, logger });
  app.use(async (ctx, next) => {
    // While shutting down, end keep-alive connections after their response so close() need not wait for them.
    if (closing) ctx.set("Connection", "close");
    await next();
    if (closing) ctx.set("Connection", "close");
  });
  app.use(compressAnswers());
  app.use(requestId());
  app.use(requestLogger(logger));
  app.use(errorHandler(logger));
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use((ctx) => {
    throw new NotFoundError(`No route for ${ctx.method} ${ctx.path}`);
  });
  // Errors are answered by errorHandler; Koa's default handler would print them to stderr.
  app.silent = true;

  /** Lists the tree once in the background, so the first request (and the watches) find it ready. */
  const warmUp = () => {
    const started = Date.now();
    project.structure().then(
      (structure) => {
        logger.info(
          { directories: Object.keys(structure).length, ms: Date.now() - started },
          "project tree listed",
        );
        project.prepareSearch().then(
          (engines) =>
            logger.info(
              { file_opening: engines?.fileOpening, prefilter: engines?.prefilter },
              "search workers ready",
            ),
          (error: unknown) => logger.warn({ err: error }, "search workers did not start"),
        );
      },
      (error: unknown) => logger.warn({ err: error }, "could not list the project tree"),
    );
  };

  const core: Core = {
    app,
    project,
    credentials,
    ...(registration ? { registration } : {}),
    publicUrl: () => publicUrl,
    async listen() {
      const server = createServer(app.callback());
      core.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(":") ? `[${config.host}]` : config.host;
      const localUrl = `http://${host}:${port}`;
      publicUrl = await tunnel.start(localUrl);
      logger.info(
        { local_url: localUrl, public_url: publicUrl, project: project.rootReal, tunnel: tunnel.kind },
        "Core listening",
      );
      warmUp();
      tunnel.onUrlChange((url) => {
        publicUrl = url;
        registration?.register(url);
      });
      registration?.register(publicUrl);
      return localUrl;
    },
    async close() {
      closing = true;
      await registration?.close();
      await tunnel.close();
      if (core.server) await closeServer(core.server);
      project.close();
    },
  };
  return core;
}
