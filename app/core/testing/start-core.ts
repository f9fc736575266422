import { afterEach } from "vitest";
import { silentLogger } from "../../common/logger.js";
import { loadCoreConfig } from "../config.js";
import { createCore, type Core, type CoreDeps } from "../server.js";
import { createTempProject, type TempProject } from "./temp-project.js";

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

/**
 * For a test file whose every test runs its own Core over its own temporary project: `start`
 * creates both, and they are closed and removed after each test. `project()` is the current one.
 */
export function coreForEachTest(): {
  start(files: Record<string, string | Buffer>, env?: Record<string, string>): Promise<RunningCore>;
  project(): TempProject;
} {
  let project: TempProject | undefined;
  let running: RunningCore | undefined;
  afterEach(async () => {
    await running?.close();
    project?.cleanup();
    running = project = undefined;
  });
  return {
    async start(files, env = {}) {
      project = createTempProject(files);
      running = await startTestCore(project.root, env);
      return running;
    },
    project() {
      if (!project) throw new Error("no project: call start() first");
      return project;
    },
  };
}
