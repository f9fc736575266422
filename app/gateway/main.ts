import { ConfigError, readEnvironment } from "../common/config.js";
import { onShutdownSignal } from "../common/http.js";
import { describeListenError } from "../common/startup.js";
import { loadGatewayConfig, type GatewayConfig } from "./config.js";
import { createGatewayLogger } from "./logger.js";
import { createGateway } from "./server.js";

/**
 * Entry point: `npm run gateway`. Reads the environment (and .env), starts, stops on
 * SIGTERM/SIGINT. A start-up failure is one line on stderr: exit code 2 for a bad setting, 1
 * otherwise.
 */
async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig(readEnvironment(process.env, process.env.ENV_FILE ?? ".env"));
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message, 2);
    throw err;
  }
  const logger = createGatewayLogger(config.logLevel);
  const gateway = await createGateway(config, { logger });
  let url: string;
  try {
    url = await gateway.listen();
  } catch (err) {
    await gateway.close().catch(() => undefined);
    const target = {
      host: config.host,
      port: config.port,
      hostSetting: "GATEWAY_HOST",
      portSetting: "GATEWAY_PORT",
    };
    return fail(`could not start: ${describeListenError(err, target)}`, 1);
  }
  logger.info({ url, store: config.store, rate_limit_store: config.rateLimitStore }, "gateway listening");
  // Now, not at the next periodic flush: whoever started the Gateway may be waiting for this line.
  logger.flush();
  onShutdownSignal(logger, () => gateway.close());
}

function fail(message: string, code: number): void {
  console.error(`gateway: ${message}`);
  process.exit(code);
}

main().catch((err: unknown) =>
  fail(`failed to start: ${err instanceof Error ? err.message : String(err)}`, 1),
);
