import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runServiceToExit } from "../../test/support/service-process.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("npm run gateway (main.ts)", () => {
  it("exits with one clear line per run when the configuration is wrong", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "app/gateway/main.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        ENV_FILE: "/nonexistent/.env",
        GATEWAY_PORT: "99999",
        STORE: "s3",
      },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^gateway: Invalid configuration: /);
    expect(lines[0]).toMatch(/GATEWAY_PORT: expected a whole number from 0 to 65535, got "99999"/);
    expect(lines[0]).toMatch(/S3_BUCKET: is required when STORE=s3/);
    expect(lines[0]).toMatch(/ADMIN_API_KEY/);
  });

  it("exits with one line naming GATEWAY_PORT when its port is in use", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    const dataDir = mkdtempSync(join(tmpdir(), "cq-gateway-main-"));
    try {
      const result = runServiceToExit("app/gateway/main.ts", ROOT, {
        ENV_FILE: "/nonexistent/.env",
        GATEWAY_HOST: "127.0.0.1",
        GATEWAY_PORT: String(port),
        ADMIN_API_KEY: "gateway-main-admin-key-0123456789",
        KEY_PEPPER: "gateway-main-pepper-0123456789ab",
        DATA_DIR: dataDir,
        LOG_LEVEL: "warn",
      });
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split("\n")).toEqual([
        `gateway: could not start: 127.0.0.1:${port} is already in use: is \`make dev\` (or another copy) already running? Stop it, or set GATEWAY_PORT=<a free port>`,
      ]);
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
