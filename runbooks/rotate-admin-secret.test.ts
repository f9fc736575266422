import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../app/common/logger.js";
import { loadGatewayConfig } from "../app/gateway/config.js";
import { createSecretProvider } from "../app/gateway/secrets/secret-provider.js";
import { keySecretsFrom } from "../app/gateway/secrets/key-secrets.js";
import { createGateway, type Gateway } from "../app/gateway/server.js";
import type { GatewaySecret, KeyRecord } from "../app/gateway/store/types.js";
import { awsTestEnv } from "../test/support/moto.js";
import { runMain } from "./lib/run-main.js";
import { runScript } from "./lib/run-script.js";
import { main } from "./rotate-admin-secret.js";

const aws = awsTestEnv();

describe(
  "rotate-admin-secret runbook: Secrets Manager on moto + a running Gateway",
  { timeout: 300_000 },
  () => {
    const secretId = `cq-admin-${randomBytes(4).toString("hex")}`;
    const initial: GatewaySecret = {
      admin_api_key: randomBytes(32).toString("base64url"),
      peppers: { p1: randomBytes(32).toString("base64url") },
      current_pepper: "p1",
    };
    let sm: SecretsManagerClient;
    let gateway: Gateway;
    let url: string;
    let dataDir: string;
    let userKey: string;
    const env = () => ({
      ...aws,
      ADMIN_SECRET_ID: secretId,
      GATEWAY_URL: url,
      STORE: "file",
      DATA_DIR: dataDir,
      S3_BUCKET: "",
      ADMIN_API_KEY: "",
    });
    const run = (...args: string[]) => runMain(main, args, { env: env() });
    const stored = async () =>
      JSON.parse(
        (await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString!,
      ) as GatewaySecret;
    const versionCount = async () =>
      (await sm.send(new ListSecretVersionIdsCommand({ SecretId: secretId }))).Versions!.length;
    const get = (path: string, key: string) => fetch(`${url}${path}`, { headers: { "X-API-KEY": key } });

    beforeAll(async () => {
      sm = new SecretsManagerClient({ region: aws.AWS_REGION, endpoint: aws.AWS_ENDPOINT_URL });
      await sm.send(new CreateSecretCommand({ Name: secretId, SecretString: JSON.stringify(initial) }));
      dataDir = mkdtempSync(join(tmpdir(), "cq-admin-secret-"));
      const config = loadGatewayConfig({
        ...aws,
        ADMIN_SECRET_ID: secretId,
        DATA_DIR: dataDir,
        GATEWAY_PORT: "0",
        LOG_LEVEL: "silent",
      });
      // The Gateway re-reads the secret every 5 minutes in production; every 300 ms here.
      const provider = await createSecretProvider(
        { ADMIN_SECRET_ID: secretId, AWS_REGION: aws.AWS_REGION, AWS_ENDPOINT_URL: aws.AWS_ENDPOINT_URL },
        { refreshIntervalMs: 300 },
      );
      gateway = await createGateway(config, { logger: silentLogger(), secrets: keySecretsFrom(provider) });
      url = await gateway.listen();
      const res = await fetch(`${url}/api-keys/generate`, {
        method: "POST",
        headers: { "X-API-KEY": initial.admin_api_key },
      });
      userKey = ((await res.json()) as { api_key: string }).api_key;
    });
    afterAll(async () => {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("refuses to run without saying what to rotate, and dry run changes nothing", async () => {
      const nothing = await run("--yes");
      expect(nothing.code).toBe(1);
      expect(nothing.stderr).toMatch(/say what to rotate: --admin, --pepper, or both/);
      // The secret was created a moment ago: --min-interval-hours 0 lets the first rotation through.
      const dry = await run(
        "--admin",
        "--pepper",
        "--pepper-id",
        "p2",
        "--min-interval-hours",
        "0",
        "--dry-run",
      );
      expect(dry.code, dry.output).toBe(0);
      expect(dry.stdout).toContain('new pepper "p2" for new keys; kept for existing keys: p1');
      expect(await versionCount()).toBe(1);
      expect(dry.output).not.toContain(initial.admin_api_key);
      expect(dry.output).not.toContain(initial.peppers.p1);
    });

    it("rotates admin key and pepper; the running Gateway takes the new admin key; old user keys still verify", async () => {
      const result = await run(
        "--admin",
        "--pepper",
        "--pepper-id",
        "p2",
        "--min-interval-hours",
        "0",
        "--yes",
        "--wait-seconds",
        "60",
      );
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toContain("the Gateway accepts the new admin key");
      const next = await stored();
      expect(next.admin_api_key).not.toBe(initial.admin_api_key);
      expect(Object.keys(next.peppers).sort()).toEqual(["p1", "p2"]);
      expect(next.peppers.p1).toBe(initial.peppers.p1);
      expect(next.current_pepper).toBe("p2");
      expect(result.output).not.toContain(next.admin_api_key);
      expect(result.output).not.toContain(next.peppers.p2);

      expect((await get("/api-keys", next.admin_api_key)).status).toBe(200);
      expect((await get("/api-keys", initial.admin_api_key)).status).toBe(401);
      expect((await get("/api-keys/self", userKey)).status).toBe(200); // hashed with p1, still verifies
      const created = await fetch(`${url}/api-keys/generate`, {
        method: "POST",
        headers: { "X-API-KEY": next.admin_api_key },
      });
      const fresh = (await created.json()) as { api_key: string; key_id: string };
      expect((await get("/api-keys/self", fresh.api_key)).status).toBe(200);
      const record = JSON.parse(
        readFileSync(join(dataDir, "keys", `${fresh.key_id}.json`), "utf8"),
      ) as KeyRecord;
      expect(record.secret.pepper_id).toBe("p2");

      const audit = readFileSync(join(dataDir, "audit.jsonl"), "utf8");
      expect(audit).toMatch(/"actor":"runbook:rotate-admin-secret","action":"secret.rotate"/);
      expect(audit).not.toContain(next.admin_api_key);
    });

    it("a re-run right after writes no new version and only checks the Gateway", async () => {
      const before = await versionCount();
      const again = await run("--admin", "--yes", "--wait-seconds", "30");
      expect(again.code, again.output).toBe(0);
      expect(again.stdout).toMatch(/no new version/);
      expect(again.stdout).toContain("the Gateway accepts the new admin key");
      expect(await versionCount()).toBe(before);
    });

    it("refuses an existing pepper id and a secret that is not a GatewaySecret, naming no value (as a command)", async () => {
      const taken = await run("--pepper", "--pepper-id", "p1", "--force", "--yes");
      expect(taken.stderr).toMatch(/pepper id "p1" already exists/);
      const badId = `cq-bad-${randomBytes(4).toString("hex")}`;
      await sm.send(
        new CreateSecretCommand({ Name: badId, SecretString: JSON.stringify({ admin_api_key: "short" }) }),
      );
      const bad = await runScript("runbooks/rotate-admin-secret.ts", ["--admin", "--yes"], {
        env: { ...env(), ADMIN_SECRET_ID: badId },
      });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/is invalid: admin_api_key: must be at least 16 characters/);
      expect(bad.stderr).not.toContain("short");
    });
  },
);
