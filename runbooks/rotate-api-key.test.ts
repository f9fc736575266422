import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../app/gateway/testing/gateway-harness.js";
import { runMain } from "./lib/run-main.js";
import { runScript } from "./lib/run-script.js";
import { main } from "./rotate-api-key.js";

describe("rotate-api-key runbook against a real Gateway", { timeout: 300_000 }, () => {
  let gw: TestGateway;
  let key: { api_key: string; key_id: string };
  const env = () => ({
    GATEWAY_URL: gw.url,
    ADMIN_API_KEY: gw.adminKey,
    STORE: "file",
    DATA_DIR: gw.dataDir,
    S3_BUCKET: "",
  });
  const rotate = (...args: string[]) => runMain(main, args, { env: env() });
  const status = async (apiKey: string) => (await gw.call("GET", "/api-keys/self", { key: apiKey })).status;

  beforeAll(async () => {
    gw = await startTestGateway({ ROTATION_GRACE_HOURS: "24" });
    gw.clock.ms = Date.now(); // the runbook compares rotation times with the real clock
    key = await gw.generateKey({ label: "ci bot" });
  });
  afterAll(() => gw.close());

  it("dry run shows the key and the plan, and rotates nothing (as a command)", async () => {
    const result = await runScript("runbooks/rotate-api-key.ts", ["--id", key.key_id, "--dry-run"], {
      env: env(),
    });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain(`Key ${key.key_id} (ci bot): active`);
    expect(result.stdout).toContain("dry run: nothing changed");
    expect(
      (await gw.call("GET", `/api-keys/${key.key_id}`, { key: gw.adminKey })).body.rotated_at,
    ).toBeNull();
  });

  it("rotates: prints the new key once; old and new keys both work during the grace period; audited", async () => {
    const result = await rotate("--id", key.key_id, "--yes");
    expect(result.code, result.output).toBe(0);
    const printed = result.stdout.match(/cq_[a-z0-9]{12}_[A-Za-z0-9_-]{43}/g) ?? [];
    expect(printed).toHaveLength(1);
    const newKey = printed[0]!;
    expect(newKey).not.toBe(key.api_key);
    expect(await status(newKey)).toBe(200);
    expect(await status(key.api_key)).toBe(200);
    gw.clock.advance(25 * 3_600_000);
    expect(await status(key.api_key)).toBe(401);
    expect(await status(newKey)).toBe(200);
    const audit = readFileSync(join(gw.dataDir, "audit.jsonl"), "utf8");
    expect(audit).toContain('"actor":"runbook:rotate-api-key"');
    expect(audit).not.toContain(newKey);
  });

  it("a second run right after does nothing (unless --force)", async () => {
    gw.clock.ms = Date.now();
    await rotate("--id", key.key_id, "--yes", "--force");
    const again = await rotate("--id", key.key_id, "--yes");
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toMatch(/nothing to do/);
    expect(again.stdout).not.toMatch(/cq_[a-z0-9]{12}_/);
  });

  it("refuses bad ids, the admin key, unknown keys, and a wrong admin key, with one clear line", async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [["--id", key.api_key], {}, /is not a key id .* never pass the key itself/],
      [["--id", "admin"], {}, /rotate-admin-secret runbook/],
      [["--id", "zzzzzzzzzzzz", "--yes"], {}, /Gateway answered 404 .*No API key with id zzzzzzzzzzzz/],
      [["--id", key.key_id, "--yes"], { ADMIN_API_KEY: "x".repeat(40) }, /Gateway answered 401/],
      [["--id", key.key_id], { GATEWAY_URL: "http://127.0.0.1:9" }, /cannot reach the Gateway/],
    ];
    for (const [args, extra, message] of cases) {
      const result = await runMain(main, args, { env: { ...env(), ...extra } });
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr, args.join(" ")).toMatch(message);
      expect(result.stderr).not.toContain(key.api_key);
    }
  });
});
