import { silentLogger } from "../../common/logger.js";
import { loadCoreConfig } from "../config.js";
import { createCore, type Core, type CoreDeps } from "../server.js";

export const TEST_API_KEY = "test-api-key-0123456789";

export interface RunningCore {
  core: Core;
  url: string;
  /** fetch against the Core with the API key unless `headers` says otherwise. */
  call(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** A real Core on a free loopback port over `root`, configured through the real config loader. */
export async function startTestCore(
  root: string,
  env: Record<string, string> = {},
  deps: Partial<CoreDeps> = {},
): Promise<RunningCore> {
  const config = loadCoreConfig({
    PROJECT_PATH: root,
    API_KEY: TEST_API_KEY,
    CORE_PORT: "0",
    LOG_LEVEL: "silent",
    ...env,
  });
  const core = createCore(config, { logger: silentLogger(), ...deps });
  const url = await core.listen();
  return {
    core,
    url,
    call: (path, init = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: { "X-API-KEY": TEST_API_KEY, ...(init.headers as Record<string, string>) },
      }),
    close: () => core.close(),
  };
}
