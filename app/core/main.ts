import { ConfigError, readEnvironment } from "../common/config.js";
import { createLogger } from "../common/logger.js";
import { onShutdownSignal } from "../common/http.js";
import { loadCoreConfig } from "./config.js";
import { createCore } from "./server.js";

/** Entry point for `npm run core`: configuration from the environment and `.env`. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadCoreConfig(readEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Core: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ name: "core", level: config.logLevel });
  const core = createCore(config, { logger });
  onShutdownSignal(logger, () => core.close());
  try {
    await core.listen();
  } catch (err) {
    logger.fatal({ err }, "Core could not start");
    await core.close().catch(() => undefined);
    process.exit(1);
  }
}

void main();
