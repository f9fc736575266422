import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

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
});
