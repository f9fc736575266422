import { loadCoreConfig, type CoreConfig } from "../../../app/core/config.js";
import { startTestCore, type RunningCore } from "../../../app/core/testing/start-core.js";
import { createTempProject, type TempProject } from "../../../app/core/testing/temp-project.js";
import { waitUntil } from "./core-process.js";
import { http, startLocalGateway, type LocalGateway } from "./local-gateway.js";

/** A real Gateway and a Core registered with it under a user's key, over a temporary project. */
export interface McpStack {
  project: TempProject;
  gateway: LocalGateway;
  core: RunningCore;
  /** the user's Gateway key, which is also the Core's API key (as `make core` runs it) */
  key: string;
  /** the Core's configuration, as loaded from the same variables */
  config: CoreConfig;
  coreMcpUrl: string;
  gatewayMcpUrl: string;
  close(): Promise<void>;
}

export async function startMcpStack(files: Record<string, string>, coreEnv: Record<string, string> = {}) {
  const project = createTempProject(files);
  const gateway = await startLocalGateway();
  const generated = await http(`${gateway.url}/api-keys/generate`, {
    method: "POST",
    key: gateway.adminKey,
    body: { label: "mcp-e2e", requests_per_minute: 10_000 },
  });
  if (generated.status !== 200)
    throw new Error(`could not generate a key: ${JSON.stringify(generated.body)}`);
  const key = String(generated.body.api_key);
  const env = {
    API_KEY: key,
    GATEWAY_URL: gateway.url,
    REGISTRATION_BACKOFF_BASE_MS: "50",
    REGISTRATION_BACKOFF_CAP_MS: "500",
    ...coreEnv,
  };
  const core = await startTestCore(project.root, env);
  await waitUntil(
    async () => (await http(`${gateway.url}/ngrok-urls/self`, { key })).status === 200,
    30_000,
    "the Core's registration with the Gateway",
  );
  const stack: McpStack = {
    project,
    gateway,
    core,
    key,
    config: loadCoreConfig({ PROJECT_PATH: project.root, ...env }),
    coreMcpUrl: `${core.url}/mcp`,
    gatewayMcpUrl: `${gateway.url}/mcp`,
    async close() {
      await core.close();
      await gateway.close();
      project.cleanup();
    },
  };
  return stack;
}
