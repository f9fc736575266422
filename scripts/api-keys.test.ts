import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../app/gateway/testing/gateway-harness.js";
import { runMain } from "../runbooks/lib/run-main.js";
import { runScript } from "../runbooks/lib/run-script.js";
import { main } from "./api-keys.js";

const KEY = /cq_[a-z0-9]{12}_[A-Za-z0-9_-]{43}/g;
const printedKeys = (text: string) => text.match(KEY) ?? [];

describe("api-keys CLI", { timeout: 600_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), "cq-apikeys-"));
  const cwd = mkdtempSync(join(tmpdir(), "cq-apikeys-cwd-")); // no stray .env
  const pepper = randomBytes(32).toString("base64url");
  let gw: TestGateway;
  const apiEnv = () => ({
    GATEWAY_URL: gw.url,
    ADMIN_API_KEY: gw.adminKey,
    ADMIN_SECRET_ID: "",
    STORE: "file",
    DATA_DIR: dataDir,
    S3_BUCKET: "",
  });
  const storeEnv = {
    STORE: "file",
    DATA_DIR: dataDir,
    S3_BUCKET: "",
    KEY_PEPPER: pepper,
    ADMIN_SECRET_ID: "",
    GATEWAY_URL: "",
  };
  const cli = (args: string[], env: Record<string, string>) => runMain(main, args, { cwd, env });
  const selfStatus = async (key: string) => (await gw.call("GET", "/api-keys/self", { key })).status;

  beforeAll(async () => {
    gw = await startTestGateway({ DATA_DIR: dataDir, KEY_PEPPER: pepper });
    gw.clock.ms = Date.now();
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  });

  describe("through the Gateway admin API", () => {
    let keyId = "";
    let apiKey = "";

    it("creates a key and prints it once", async () => {
      const result = await cli(["create", "--label", "ci bot", "--days", "7", "--yes"], apiEnv());
      expect(result.code, result.output).toBe(0);
      expect(printedKeys(result.stdout)).toHaveLength(1);
      apiKey = printedKeys(result.stdout)[0]!;
      keyId = apiKey.slice(3, 15);
      expect(await selfStatus(apiKey)).toBe(200);
    });

    it("lists keys in a table and shows one, never a secret (list as a command)", async () => {
      const list = await runScript("scripts/api-keys.ts", ["list"], { cwd, env: apiEnv() });
      expect(list.code, list.output).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`│ ${keyId}\\s*│ ci bot\\s*│ active`));
      expect(list.stdout).toContain("1 key(s) via the Gateway");
      const show = await cli(["show", "--id", keyId, "--json"], apiEnv());
      expect(JSON.parse(show.stdout)).toMatchObject({ key_id: keyId, label: "ci bot", status: "active" });
      expect(printedKeys(list.output + show.output)).toEqual([]);
    });

    it("rotates (old key works during the grace period), revokes, restores", async () => {
      const rotated = await cli(["rotate", "--id", keyId, "--yes"], apiEnv());
      expect(rotated.code, rotated.output).toBe(0);
      const newKey = printedKeys(rotated.stdout)[0]!;
      expect(newKey).not.toBe(apiKey);
      expect([await selfStatus(newKey), await selfStatus(apiKey)]).toEqual([200, 200]);
      expect((await cli(["revoke", "--id", keyId, "--yes"], apiEnv())).stdout).toContain(
        `key ${keyId} is now revoked`,
      );
      expect(await selfStatus(newKey)).toBe(401);
      expect((await cli(["restore", "--id", keyId, "--yes"], apiEnv())).stdout).toContain(
        `key ${keyId} is now rotating`,
      );
      expect(await selfStatus(newKey)).toBe(200);
    });

    it("refuses a purge it cannot confirm, then purges with --yes", async () => {
      const refused = await cli(["purge", "--id", keyId], apiEnv());
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/re-run with --yes/);
      const purged = await cli(["purge", "--id", keyId, "--yes"], apiEnv());
      expect(purged.code, purged.output).toBe(0);
      const gone = await cli(["show", "--id", keyId], apiEnv());
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/Gateway answered 404/);
    });

    it("refuses bad input with one clear line", async () => {
      const cases: Array<[string[], RegExp]> = [
        [[], /give a command: create, list, show, rotate, revoke, restore, purge$/m],
        [["explode"], /unknown command "explode"; the commands are create, list/],
        [["lsit"], /unknown command "lsit" \(did you mean list\?\)/],
        [["list", "show"], /give one command, not 2: list show/],
        [["show"], /show needs --id/],
        [["show", "--id", "cq_abc"], /is not a key id/],
        [["create", "--days", "zero", "--yes"], /bad option: expiration_days/],
      ];
      for (const [args, message] of cases) {
        const result = await cli(args, apiEnv());
        expect(result.code, args.join(" ")).toBe(1);
        expect(result.stderr, args.join(" ")).toMatch(message);
      }
    });
  });

  describe("--store (break glass, Gateway down)", () => {
    let keyId = "";
    let apiKey = "";

    it("creates a key on the store that the Gateway accepts after a restart", async () => {
      await gw.close();
      const created = await cli(["create", "--store", "--label", "offline", "--yes"], storeEnv);
      expect(created.code, created.output).toBe(0);
      apiKey = printedKeys(created.stdout)[0]!;
      keyId = apiKey.slice(3, 15);
      gw = await startTestGateway({ DATA_DIR: dataDir, KEY_PEPPER: pepper });
      gw.clock.ms = Date.now();
      expect(await selfStatus(apiKey)).toBe(200);
      await gw.close();
    });

    it("lists, shows, revokes, restores and purges on the store, and audits as runbook:api-keys", async () => {
      const list = await cli(["list", "--store"], storeEnv);
      expect(list.stdout).toMatch(new RegExp(`│ ${keyId}\\s*│ offline`));
      expect(list.stdout).toContain(`via the file store ${dataDir}`);
      expect((await cli(["show", "--store", "--id", keyId], storeEnv)).stdout).toMatch(/│ status\s*│ active/);
      expect((await cli(["revoke", "--store", "--id", keyId, "--yes"], storeEnv)).stdout).toContain(
        "is now revoked",
      );
      expect((await cli(["restore", "--store", "--id", keyId, "--yes"], storeEnv)).stdout).toContain(
        "is now active",
      );
      const purged = await cli(["purge", "--store", "--id", keyId, "--yes"], storeEnv);
      expect(purged.code, purged.output).toBe(0);
      expect((await cli(["show", "--store", "--id", keyId], storeEnv)).stderr).toMatch(/No API key with id/);
      const audit = readFileSync(join(dataDir, "audit.jsonl"), "utf8");
      for (const action of ["key.generate", "key.revoke", "key.restore", "key.purge"]) {
        expect(audit).toContain(`"actor":"runbook:api-keys","action":"${action}","target":"${keyId}"`);
      }
      expect(audit).not.toContain(apiKey);
    });

    it("refuses create without the pepper", async () => {
      const result = await cli(["create", "--store", "--yes"], { ...storeEnv, KEY_PEPPER: "" });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/need KEY_PEPPER or ADMIN_SECRET_ID/);
    });
  });
});
