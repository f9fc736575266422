/**
 * Disaster recovery from the backup copy, with the permissions the restore principal really has.
 * Every S3 request of the attacker and of the restore runbook goes through a loopback proxy that
 * lets it reach moto_server only if the caller's identity policy allows it (iam-simulate): for
 * break-glass, the runbook policy the program attaches (infra/operator-access.ts). An attacker with
 * every S3 right erases every version of the primary state and cannot erase the Object Lock'ed copy
 * in the backup region; `restore --from-backup` then brings the keys back and a restarted Gateway
 * accepts them. Key and bucket policies are covered by the permission table (stacks/testing/permissions).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../app/common/logger.js";
import { loadGatewayConfig } from "../app/gateway/config.js";
import { createGateway } from "../app/gateway/server.js";
import { breakGlassRunbookPolicy } from "../infra/operator-access.js";
import { startEnforcingProxy, type EnforcingProxy } from "../stacks/testing/permissions/enforcing-proxy.js";
import { startMoto, type MotoServer } from "../test/support/moto.js";
import { mapPool } from "./lib/restore-plan.js";
import { listObjectHistory } from "./lib/s3-versions.js";
import { runMain } from "./lib/run-main.js";
import { main } from "./restore.js";

const N = 12;
const PRIMARY = "us-east-1";
const BACKUP = "us-west-2";
const suffix = randomBytes(4).toString("hex");
const stateBucket = `codequery-drill-state-${suffix}`;
const backupBucket = `codequery-drill-backup-${suffix}`;
const ACCOUNT = "123456789012";
const ROOT = { accessKeyId: "testing", secretAccessKey: "testing" };
const BREAK_GLASS = { accessKeyId: "AKIABREAKGLASS", secretAccessKey: "drill" };
const ATTACKER = { accessKeyId: "AKIASTOLENADMIN", secretAccessKey: "drill" };
type Credentials = typeof ROOT;

describe("disaster-recovery drill from the backup region, as break-glass", { timeout: 300_000 }, () => {
  let moto: MotoServer;
  let dataDir: string;
  let kmsKeyId: string;
  let proxy: EnforcingProxy;
  const adminKey = randomBytes(32).toString("base64url");
  const pepper = randomBytes(32).toString("base64url");
  const s3 = (region: string, credentials: Credentials) =>
    new S3Client({
      region,
      endpoint: credentials === ROOT ? moto.url : proxy.url,
      forcePathStyle: true,
      credentials,
    });
  const gatewayEnv = () => ({
    AWS_ENDPOINT_URL: moto.url,
    AWS_REGION: PRIMARY,
    AWS_ACCESS_KEY_ID: ROOT.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROOT.secretAccessKey,
    STORE: "s3",
    S3_BUCKET: stateBucket,
    KMS_KEY_ID: kmsKeyId,
    ADMIN_API_KEY: adminKey,
    KEY_PEPPER: pepper,
    GATEWAY_PORT: "0",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
  });
  const startGateway = async () => {
    const gateway = await createGateway(loadGatewayConfig(gatewayEnv()), { logger: silentLogger() });
    return { gateway, url: await gateway.listen() };
  };
  const call = (url: string, path: string, key: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method: body ? "POST" : "GET",
      headers: { "X-API-KEY": key, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  beforeAll(async () => {
    moto = await startMoto();
    dataDir = mkdtempSync(join(tmpdir(), "cq-backup-drill-"));
    const primary = s3(PRIMARY, ROOT);
    await primary.send(new CreateBucketCommand({ Bucket: stateBucket }));
    await primary.send(
      new PutBucketVersioningCommand({ Bucket: stateBucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const backup = s3(BACKUP, ROOT);
    await backup.send(
      new CreateBucketCommand({
        Bucket: backupBucket,
        CreateBucketConfiguration: { LocationConstraint: BACKUP },
        ObjectLockEnabledForBucket: true,
      }),
    );
    await backup.send(
      new PutObjectLockConfigurationCommand({
        Bucket: backupBucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 1 } },
        },
      }),
    );
    const kms = new KMSClient({ region: PRIMARY, endpoint: moto.url, credentials: ROOT });
    kmsKeyId = (await kms.send(new CreateKeyCommand({ Description: "drill" }))).KeyMetadata!.Arn!;
    proxy = await startEnforcingProxy(moto.url, ACCOUNT, {
      [BREAK_GLASS.accessKeyId]: {
        arn: `arn:aws:iam::${ACCOUNT}:role/codequery-break-glass`,
        policy: breakGlassRunbookPolicy({
          stateBucketArn: `arn:aws:s3:::${stateBucket}`,
          backupBucketArn: `arn:aws:s3:::${backupBucket}`,
          secretArn: `arn:aws:secretsmanager:${PRIMARY}:${ACCOUNT}:secret:codequery/drill/gateway-AbCdEf`,
        }) as never,
      },
      [ATTACKER.accessKeyId]: {
        arn: `arn:aws:iam::${ACCOUNT}:role/stolen-admin`,
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] },
      },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the primary's history erased, the locked copy survives, restore --from-backup brings every key back", async () => {
    // 1. A Gateway issues keys; replication copies every version to the backup region (done here
    //    object by object, as S3 replication would: moto does not replicate).
    const first = await startGateway();
    const keys = await mapPool(
      Array.from({ length: N }, (_, i) => i),
      4,
      async (i) => {
        const res = await call(first.url, "/api-keys/generate", adminKey, { label: `drill ${i}` });
        expect(res.status).toBe(200);
        return (await res.json()) as { api_key: string; key_id: string };
      },
    );
    await first.gateway.close();
    const primaryRoot = s3(PRIMARY, ROOT);
    const history = await listObjectHistory(primaryRoot, stateBucket, "keys/");
    expect(history.size).toBe(N);
    for (const [key, versions] of history) {
      const body = await primaryRoot.send(
        new GetObjectCommand({ Bucket: stateBucket, Key: key, VersionId: versions[0]!.versionId }),
      );
      // An upload into an Object Lock bucket must carry a checksum (as replication's does).
      await s3(BACKUP, ROOT).send(
        new PutObjectCommand({
          Bucket: backupBucket,
          Key: key,
          Body: await body.Body!.transformToByteArray(),
          ChecksumAlgorithm: "SHA256",
        }),
      );
    }

    {
      // 2. The attacker, with every S3 right, deletes every version in the primary...
      const stolenPrimary = s3(PRIMARY, ATTACKER);
      for (const [key, versions] of await listObjectHistory(stolenPrimary, stateBucket, "")) {
        for (const v of versions)
          await stolenPrimary.send(
            new DeleteObjectCommand({ Bucket: stateBucket, Key: key, VersionId: v.versionId }),
          );
      }
      expect((await listObjectHistory(stolenPrimary, stateBucket, "")).size).toBe(0);
      // ...and cannot delete a single version of the locked copy.
      const stolenBackup = s3(BACKUP, ATTACKER);
      const copies = await listObjectHistory(stolenBackup, backupBucket, "keys/");
      const [firstKey, firstVersions] = [...copies][0]!;
      await expect(
        stolenBackup.send(
          new DeleteObjectCommand({
            Bucket: backupBucket,
            Key: firstKey,
            VersionId: firstVersions[0]!.versionId,
          }),
        ),
      ).rejects.toThrow(/Access Denied|AccessDenied|locked|WORM/i);

      // 3. Break-glass may not delete history either: its policy has no DeleteObjectVersion.
      await expect(
        s3(BACKUP, BREAK_GLASS).send(
          new DeleteObjectCommand({
            Bucket: backupBucket,
            Key: firstKey,
            VersionId: firstVersions[0]!.versionId,
          }),
        ),
      ).rejects.toThrow(/Access Denied|AccessDenied|not authorized/i);

      // 4. The restore, as an operator runs it, with break-glass's permissions only.
      const restore = await runMain(main, ["--env", "prod", "--from-backup", "--yes"], {
        env: {
          AWS_ENDPOINT_URL: proxy.url,
          AWS_REGION: PRIMARY,
          AWS_ACCESS_KEY_ID: BREAK_GLASS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: BREAK_GLASS.secretAccessKey,
          STORE: "s3",
          S3_BUCKET: stateBucket,
          KMS_KEY_ID: kmsKeyId,
          BACKUP_BUCKET: backupBucket,
          BACKUP_REGION: BACKUP,
        },
      });
      expect(restore.code, restore.output).toBe(0);
      expect(restore.stdout).toContain(`${N} restored · 0 removed`);
      expect(restore.stdout).toContain("verified: every record parses and the counts match");
      const used = proxy.decisions.filter((d) => d.caller.endsWith("codequery-break-glass"));
      expect(used.filter((d) => !d.allowed).map((d) => d.action)).toEqual(["s3:DeleteObjectVersion"]);
      expect(new Set(used.filter((d) => d.allowed).map((d) => d.action))).toEqual(
        new Set(["s3:ListBucketVersions", "s3:GetObjectVersion", "s3:GetObject", "s3:PutObject"]),
      );
    }

    // 5. A restarted Gateway accepts every key again.
    const restarted = await startGateway();
    const statuses = await mapPool(
      keys,
      4,
      async (k) => (await call(restarted.url, "/api-keys/self", k.api_key)).status,
    );
    await restarted.gateway.close();
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });
});
