/**
 * The disaster-recovery drill, end to end: a real Gateway on moto_server (STORE=s3, versioned
 * bucket, SSE-KMS) issues keys; the state is then deleted and corrupted; the restore runbook runs
 * as a child process, exactly as an operator types it; a restarted Gateway accepts the keys again.
 * It prints the measured figures that runbooks/restore.md quotes (DRILL_KEYS sets N).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../app/common/backoff.js";
import { silentLogger } from "../app/common/logger.js";
import { createAuditSink } from "../app/gateway/audit/audit-sink.js";
import { loadGatewayConfig } from "../app/gateway/config.js";
import { createGateway, type Gateway } from "../app/gateway/server.js";
import { awsTestEnv } from "../test/support/moto.js";
import { mapPool } from "./lib/restore-plan.js";
import { listVersionPages } from "./lib/s3-versions.js";
import { runMain } from "./lib/run-main.js";
import { runScript } from "./lib/run-script.js";
import { main } from "./restore.js";

const N = Number(process.env.DRILL_KEYS ?? 40);
const aws = awsTestEnv();
const bucket = `cq-drill-${randomBytes(4).toString("hex")}`;
const prefix = "gateway/";

describe(`disaster-recovery drill: ${N} keys`, { timeout: 600_000 }, () => {
  let s3: S3Client;
  let kmsKeyId: string;
  let dataDir: string;
  const adminKey = randomBytes(32).toString("base64url");
  const pepper = randomBytes(32).toString("base64url");
  const gatewayEnv = () => ({
    ...aws,
    STORE: "s3",
    S3_BUCKET: bucket,
    S3_PREFIX: prefix,
    KMS_KEY_ID: kmsKeyId,
    ADMIN_API_KEY: adminKey,
    KEY_PEPPER: pepper,
    GATEWAY_PORT: "0",
    DATA_DIR: dataDir,
    ALLOW_INSECURE_TUNNELS: "true",
    DEFAULT_RPM: "100000",
    MAX_RPM: "100000",
    LOG_LEVEL: "silent",
  });
  const restoreEnv = () => ({
    ...aws,
    STORE: "s3",
    S3_BUCKET: bucket,
    S3_PREFIX: prefix,
    KMS_KEY_ID: kmsKeyId,
  });

  async function startGateway(): Promise<{ gateway: Gateway; url: string }> {
    const gateway = await createGateway(loadGatewayConfig(gatewayEnv()), { logger: silentLogger() });
    return { gateway, url: await gateway.listen() };
  }
  const call = (url: string, path: string, key: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${url}${path}`, {
      method: init.method ?? "GET",
      headers: { "X-API-KEY": key, ...(init.body ? { "content-type": "application/json" } : {}) },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
  const versionsCount = async () => {
    let count = 0;
    for await (const res of listVersionPages(s3, bucket, prefix, 1000))
      count += (res.Versions?.length ?? 0) + (res.DeleteMarkers?.length ?? 0);
    return count;
  };

  const keys: Array<{ api_key: string; key_id: string }> = [];
  let lateKey: { api_key: string; key_id: string };
  let at: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "cq-drill-"));
    s3 = new S3Client({ region: aws.AWS_REGION, endpoint: aws.AWS_ENDPOINT_URL, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const kms = new KMSClient({ region: aws.AWS_REGION, endpoint: aws.AWS_ENDPOINT_URL });
    kmsKeyId = (await kms.send(new CreateKeyCommand({ Description: "drill" }))).KeyMetadata!.Arn!;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("keys issued, state destroyed, restored to the time before, keys work again", async () => {
    // 1. A Gateway issues N keys; each key registers a tunnel and is used once (usage flushed).
    const first = await startGateway();
    const issued = await mapPool(
      Array.from({ length: N }, (_, i) => i),
      8,
      async (i) => {
        const res = await call(first.url, "/api-keys/generate", adminKey, {
          method: "POST",
          body: { label: `drill ${i}` },
        });
        expect(res.status).toBe(200);
        return (await res.json()) as { api_key: string; key_id: string };
      },
    );
    keys.push(...issued);
    await mapPool(keys.slice(0, 10), 4, async (k) => {
      const res = await call(first.url, "/ngrok-urls/", k.api_key, {
        method: "POST",
        body: {
          ngrok_url: `http://127.0.0.1:9/${k.key_id}`,
          core_token: randomBytes(24).toString("base64url"),
        },
      });
      expect(res.status, await res.text()).toBeLessThan(300);
    });
    await mapPool(keys, 8, async (k) =>
      expect((await call(first.url, "/api-keys/self", k.api_key)).status).toBe(200),
    );
    // Twice: a flush already running when we ask returns without the counts added since it began.
    await first.gateway.flushUsage();
    await first.gateway.flushUsage();

    // S3 keeps LastModified to the second: let the clock pass into a new second on both sides of
    // the recovery point so "before" and "after" are unambiguous.
    await sleep(1100);
    at = new Date().toISOString();
    await sleep(1100);

    // 2. After the recovery point: one more key (must be gone after the restore)...
    const late = await call(first.url, "/api-keys/generate", adminKey, { method: "POST", body: {} });
    lateKey = (await late.json()) as { api_key: string; key_id: string };
    await first.gateway.close();

    // ...then the disaster: half the keys deleted, the other half overwritten with garbage,
    // every tunnel deleted.
    await mapPool(keys, 8, async (k) => {
      const key = `${prefix}keys/${k.key_id}.json`;
      if (keys.indexOf(k) % 2 === 0) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      else await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "{garbage" }));
    });
    await mapPool(keys.slice(0, 10), 8, (k) =>
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}tunnels/${k.key_id}.json` })),
    );
    const broken = await startGateway();
    expect((await call(broken.url, "/api-keys/self", keys[0]!.api_key)).status).toBe(401);
    await broken.gateway.close();
    const versionsBefore = await versionsCount();

    // 3. Dry run: the table, nothing written.
    const dry = await runMain(main, ["--at", at, "--dry-run"], { env: restoreEnv() });
    expect(dry.code, dry.output).toBe(0);
    expect(dry.stdout).toContain(`${N + 10} restored · 1 removed · ${N} unchanged`);
    expect(dry.stdout).toMatch(new RegExp(`keys/${lateKey.key_id}\\.json\\s*│\\s*removed`));
    expect(await versionsCount()).toBe(versionsBefore);

    // 4. The restore, as an operator runs it.
    const started = Date.now();
    const restore = await runScript("runbooks/restore.ts", ["--at", at, "--yes"], { env: restoreEnv() });
    const restoreSeconds = (Date.now() - started) / 1000;
    expect(restore.code, restore.output).toBe(0);
    expect(restore.stdout).toContain("verified: every record parses and the counts match");
    const applied = /wrote (\d+) object\(s\) in ([\d.]+) s/.exec(restore.stdout);
    const planned = /planned in ([\d.]+) s/.exec(restore.stdout)?.[1];
    const verified = /counts match \(in ([\d.]+) s\)/.exec(restore.stdout)?.[1];
    expect(Number(applied?.[1])).toBe(N + 10 + 1); // N keys + 10 tunnels restored, 1 late key removed

    // Safe to run twice: the second run finds nothing to do.
    const again = await runMain(main, ["--at", at, "--yes"], { env: restoreEnv() });
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toContain("nothing to restore");

    // 5. History is kept: the restore added versions and delete markers (+ its audit record), deleted none.
    expect(await versionsCount()).toBe(versionsBefore + N + 10 + 1 + 1);

    // 6. A restarted Gateway accepts every restored key and knows its tunnel; the late key is gone.
    const restarted = await startGateway();
    const verifyStarted = Date.now();
    const statuses = await mapPool(
      keys,
      8,
      async (k) => (await call(restarted.url, "/api-keys/self", k.api_key)).status,
    );
    const verifySeconds = (Date.now() - verifyStarted) / 1000;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const tunnel = await call(restarted.url, "/ngrok-urls/self", keys[0]!.api_key);
    expect(((await tunnel.json()) as { ngrok_url: string }).ngrok_url).toBe(
      `http://127.0.0.1:9/${keys[0]!.key_id}`,
    );
    expect((await call(restarted.url, "/api-keys/self", lateKey.api_key)).status).toBe(401);
    await restarted.gateway.close();

    // 7. Audited.
    const sink = createAuditSink({ kind: "s3", bucket, prefix, region: "us-east-1" }, { s3Client: s3 });
    const records = await sink.query({ action: "state.restore" });
    expect(records.map((r) => r.actor)).toEqual(["runbook:restore"]);

    console.log(
      `[drill] N=${N} keys (+10 tunnels, +${N} usage records): restore command ${restoreSeconds.toFixed(1)} s ` +
        `(plan ${planned} s, writes ${applied?.[2]} s, verify ${verified} s); restarted Gateway verified ${N} keys in ${verifySeconds.toFixed(1)} s; ` +
        `keys lost: ${statuses.filter((s) => s !== 200).length}`,
    );
  });
});
