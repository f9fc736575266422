import { ConfigError, readEnvironment } from "../common/config.js";
import { onShutdownSignal } from "../common/http.js";
import { createLogger } from "../common/logger.js";
import { loadGatewayConfig } from "./config.js";
import { createGateway } from "./server.js";

/** Entry point: `npm run gateway`. Reads the environment (and .env), starts, stops on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadGatewayConfig(readEnvironment(process.env, process.env.ENV_FILE ?? ".env"));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`gateway: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ name: "gateway", level: config.logLevel, asyncStdout: true });
  const gateway = await createGateway(config, { logger });
  const url = await gateway.listen();
  logger.info({ url, store: config.store, rate_limit_store: config.rateLimitStore }, "gateway listening");
  onShutdownSignal(logger, () => gateway.close());
}

main().catch((err: unknown) => {
  console.error(`gateway: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
