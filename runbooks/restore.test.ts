import { randomBytes } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../app/common/backoff.js";
import { awsTestEnv } from "../test/support/moto.js";
import { recordProblem } from "./lib/restore-verify.js";
import { runMain } from "./lib/run-main.js";
import { main } from "./restore.js";

const aws = awsTestEnv();
const suffix = randomBytes(4).toString("hex");
const state = `cq-restore-${suffix}`;
const backup = `cq-restore-bak-${suffix}`;
const record = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ schema: 1, key_id: id, ...extra });

describe("restore runbook on moto_server", { timeout: 180_000 }, () => {
  let s3: S3Client;
  const env = (extra: Record<string, string> = {}) => ({
    ...aws,
    S3_BUCKET: state,
    S3_PREFIX: "",
    STORE: "s3",
    ...extra,
  });
  const put = (bucket: string, key: string, body: string) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const body = async (key: string) => {
    try {
      const res = await s3.send(new GetObjectCommand({ Bucket: state, Key: key }));
      return await res.Body!.transformToString();
    } catch {
      return null;
    }
  };
  const versions = async (bucket: string) => {
    // State objects only: the runbook's own audit record lands under audit/.
    const res = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    return [...(res.Versions ?? []), ...(res.DeleteMarkers ?? [])].filter((v) => !v.Key?.startsWith("audit/"))
      .length;
  };

  beforeAll(async () => {
    s3 = new S3Client({ region: aws.AWS_REGION, endpoint: aws.AWS_ENDPOINT_URL, forcePathStyle: true });
    for (const bucket of [state, backup]) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(
        new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
      );
    }
  });

  it("refuses bad input with one clear line and touches nothing", async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /give --at <ISO time>, or --from-backup/],
      [["--at", "yesterday"], /--at must be an ISO time/],
      [["--at", "2999-01-01T00:00:00Z"], /is in the future/],
      [["--at", "2026-01-01T00:00:00Z", "--prefixes", "keys,audit"], /audit\/ is append-only history/],
      [["--at", "2026-01-01T00:00:00Z", "--prefixes", "../x"], /state prefixes are names/],
      [["--from-backup"], /the backup bucket is not set: give --backup-bucket or BACKUP_BUCKET/],
      [["--at"], /--at needs a value/],
    ];
    for (const [args, message] of cases) {
      const result = await runMain(main, args, { env: env() });
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.stderr, args.join(" ")).toMatch(message);
    }
    const noBucket = await runMain(main, ["--at", "2026-01-01T00:00:00Z"], {
      env: env({ S3_BUCKET: "" }),
    });
    expect(noBucket.stderr).toMatch(
      /the state bucket is not set: give --bucket or S3_BUCKET or stack output stateBucketName/,
    );
  });

  it("restores from the backup bucket: changed and missing objects back, extra ones removed, any prefix", async () => {
    // The backup holds the good state (as replication would have copied it).
    await put(backup, "keys/aaaaaaaaaaaa.json", record("aaaaaaaaaaaa"));
    await put(backup, "keys/bbbbbbbbbbbb.json", record("bbbbbbbbbbbb"));
    await put(backup, "tunnels/aaaaaaaaaaaa.json", record("aaaaaaaaaaaa", { url: "https://a.ngrok.app" }));
    await put(backup, "extra/settings.json", JSON.stringify({ mode: "good" }));
    // The state bucket has lost one key, has a corrupted tunnel and a stray key.
    await put(state, "keys/aaaaaaaaaaaa.json", record("aaaaaaaaaaaa"));
    await put(state, "tunnels/aaaaaaaaaaaa.json", "{not json");
    await put(state, "keys/cccccccccccc.json", record("cccccccccccc"));
    await put(state, "extra/settings.json", JSON.stringify({ mode: "bad" }));
    const before = await versions(state);

    const args = ["--from-backup", "--backup-bucket", backup, "--prefixes", "keys,tunnels,usage,extra"];
    const dry = await runMain(main, [...args, "--dry-run"], { env: env() });
    expect(dry.code, dry.output).toBe(0);
    expect(dry.stdout).toMatch(/keys\/bbbbbbbbbbbb\.json\s*│\s*restored\s*│.*│\s*missing now/);
    expect(dry.stdout).toMatch(/keys\/cccccccccccc\.json\s*│\s*removed/);
    expect(dry.stdout).toMatch(/tunnels\/aaaaaaaaaaaa\.json\s*│\s*restored/);
    expect(dry.stdout).toMatch(/keys\/aaaaaaaaaaaa\.json\s*│\s*unchanged\s*│\s*│\s*same content/);
    expect(dry.stdout).toContain("3 restored · 1 removed · 1 unchanged");
    expect(await versions(state)).toBe(before);

    const result = await runMain(main, [...args, "--yes"], { env: env() });
    expect(result.code, result.output).toBe(0);
    expect(await body("keys/bbbbbbbbbbbb.json")).toBe(record("bbbbbbbbbbbb"));
    expect(await body("tunnels/aaaaaaaaaaaa.json")).toContain("a.ngrok.app");
    expect(await body("extra/settings.json")).toContain("good");
    expect(await body("keys/cccccccccccc.json")).toBeNull();
    expect(result.stdout).toMatch(/keys\/: 2 object\(s\), expected 2/);
    // New versions and one delete marker: every earlier version is still there.
    expect(await versions(state)).toBe(before + 4);

    const again = await runMain(main, [...args, "--yes"], { env: env() });
    expect(again.stdout).toContain("nothing to restore");
  });

  it("fails verification when the state at that time holds a record that does not parse", async () => {
    await put(state, "keys/dddddddddddd.json", "{broken");
    await sleep(1100); // S3 times have one-second resolution
    const at = new Date().toISOString();
    await sleep(1100);
    await s3.send(new DeleteObjectCommand({ Bucket: state, Key: "keys/dddddddddddd.json" }));
    const result = await runMain(main, ["--at", at, "--prefixes", "keys", "--yes"], {
      env: env(),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /verification failed: 1 problem\(s\) \(first: keys\/dddddddddddd\.json: not valid JSON\)/,
    );
  });

  it("checks each record's schema and that its key_id matches its name", () => {
    expect(recordProblem("keys/abc.json", record("abc"))).toBeNull();
    expect(recordProblem("keys/abc.json", record("xyz"))).toMatch(/does not match the file name/);
    expect(recordProblem("usage/abc.json", JSON.stringify({ schema: 2, key_id: "abc" }))).toMatch(
      /schema is 2/,
    );
    expect(recordProblem("extra/notes.txt", "anything")).toBeNull();
  });
});
