import { ConfigError, readEnvironment } from "../common/config.js";
import { createLogger } from "../common/logger.js";
import { onShutdownSignal } from "../common/http.js";
import { describeListenError } from "../common/startup.js";
import { loadCoreConfig, type CoreConfig } from "./config.js";
import { createCore } from "./server.js";

/**
 * Entry point for `npm run core`: configuration from the environment and `.env`. A start-up
 * failure a user can cause (bad setting, port in use) is one line on stderr and exit code 1.
 */
async function main(): Promise<void> {
  let config: CoreConfig;
  try {
    config = loadCoreConfig(readEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }
  const logger = createLogger({ name: "core", level: config.logLevel });
  const core = createCore(config, { logger });
  onShutdownSignal(logger, () => core.close());
  try {
    await core.listen();
  } catch (err) {
    await core.close().catch(() => undefined);
    fail(
      `could not start: ${describeListenError(err, { host: config.host, port: config.port, hostSetting: "CORE_HOST", portSetting: "CORE_PORT" })}`,
    );
  }
}

function fail(message: string): void {
  console.error(`core: ${message}`);
  process.exit(1);
}

main().catch((err: unknown) => fail(`failed to start: ${err instanceof Error ? err.message : String(err)}`));
