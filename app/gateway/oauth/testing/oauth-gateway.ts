import { createServer } from "node:net";
import { createTempProject, type TempProject } from "../../../core/testing/temp-project.js";
import { startTestCore, type RunningCore } from "../../../core/testing/start-core.js";
import type { GatewayDeps } from "../../server.js";
import { startTestGateway, type TestGateway } from "../../testing/gateway-harness.js";

/** A free loopback port: the Gateway's public URL (its OAuth issuer) must name it before it starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A Gateway whose public URL is its loopback address, so OAuth clients can follow every URL it names. */
export async function startOAuthGateway(
  env: Record<string, string> = {},
  deps: Partial<GatewayDeps> = {},
): Promise<TestGateway> {
  const port = await freePort();
  return startTestGateway(
    { GATEWAY_PORT: String(port), GATEWAY_PUBLIC_URL: `http://127.0.0.1:${port}`, ...env },
    deps,
  );
}

export interface RegisteredCore {
  project: TempProject;
  core: RunningCore;
  close(): Promise<void>;
}

/** A real Core over a small project, registered with the Gateway under `apiKey` as a Core would. */
export async function startRegisteredCore(gw: TestGateway, apiKey: string): Promise<RegisteredCore> {
  const project = createTempProject({
    "README.md": "# OAuth demo\n",
    "src/app.ts": "export const needle = 42;\n",
    ".env": "SECRET=never-served\n",
  });
  const core = await startTestCore(project.root);
  const reg = await gw.call("POST", "/ngrok-urls/", {
    key: apiKey,
    body: { ngrok_url: core.url, core_token: core.core.credentials.offerNewToken() },
  });
  if (reg.status !== 200) throw new Error(`Core registration failed: ${reg.status} ${reg.text}`);
  return {
    project,
    core,
    async close() {
      await core.close();
      project.cleanup();
    },
  };
}
