import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../../app/common/logger.js";
import { loadGatewayConfig } from "../../../app/gateway/config.js";
import { createGateway, type Gateway, type GatewayDeps } from "../../../app/gateway/server.js";
import { requestJson } from "../../../runbooks/lib/json-http.js";

export interface LocalGateway {
  url: string;
  adminKey: string;
  gateway: Gateway;
  dataDir: string;
  close(): Promise<void>;
}

/** A random secret of the length the Gateway requires, made fresh for every test run. */
export const testSecret = (prefix: string): string =>
  `${prefix}-${crypto.randomUUID()}-${crypto.randomUUID()}`;

/**
 * A real Gateway on loopback (port 0) with the embedded file store in a temp dir, which `close`
 * removes. `env` adds or overrides Gateway variables (e.g. STORE=s3 and its bucket).
 */
export async function startLocalGateway(
  env: Record<string, string> = {},
  deps: Partial<GatewayDeps> = {},
): Promise<LocalGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), "cq-e2e-gateway-"));
  const adminKey = testSecret("admin");
  const config = loadGatewayConfig({
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    DATA_DIR: dataDir,
    ADMIN_API_KEY: adminKey,
    KEY_PEPPER: testSecret("pepper"),
    ALLOW_INSECURE_TUNNELS: "true",
    KEY_CACHE_TTL_SECONDS: "0",
    USAGE_FLUSH_SECONDS: "1",
    LOG_LEVEL: "silent",
    ...env,
  });
  const gateway = await createGateway(config, { logger: silentLogger(), ...deps });
  const url = await gateway.listen();
  let closed = false;
  return {
    url,
    adminKey,
    gateway,
    dataDir,
    /** idempotent, so a test may close early and afterAll close again */
    async close() {
      if (closed) return;
      closed = true;
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A `curl`-equivalent request: JSON in, status + JSON out. */
export const http = requestJson;
