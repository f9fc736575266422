import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateKeyCommand, KMSClient, ListKeyRotationsCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestEnv } from "../test/support/moto.js";
import { runMain } from "./lib/run-main.js";
import { runScript } from "./lib/run-script.js";
import { main } from "./rotate-kms-key.js";

describe("rotate-kms-key runbook on moto_server", { timeout: 120_000 }, () => {
  let kms: KMSClient;
  let keyId: string;
  let dataDir: string;
  const env = () => ({ ...awsTestEnv(), KMS_KEY_ID: keyId, STORE: "file", DATA_DIR: dataDir, S3_BUCKET: "" });
  const rotations = async () =>
    (await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations ?? [];
  const audit = () =>
    readFileSync(join(dataDir, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { actor: string; action: string; target: string });

  beforeAll(async () => {
    const aws = awsTestEnv();
    kms = new KMSClient({ region: aws.AWS_REGION, endpoint: aws.AWS_ENDPOINT_URL });
    keyId = (await kms.send(new CreateKeyCommand({ Description: "rotate-kms-key test" }))).KeyMetadata!
      .KeyId!;
    dataDir = mkdtempSync(join(tmpdir(), "cq-kms-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("dry run prints the plan and rotates nothing (as a command)", async () => {
    const result = await runScript("runbooks/rotate-kms-key.ts", ["--dry-run"], { env: env() });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain("enable automatic rotation every 365 days");
    expect(result.stdout).toContain("rotate the key material now");
    expect(await rotations()).toEqual([]);
  });

  it("refuses to change anything without --yes when it cannot ask", async () => {
    const result = await runMain(main, [], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/✖ rotate-kms-key: .*re-run with --yes/);
    expect(await rotations()).toEqual([]);
  });

  it("enables rotation, rotates on demand, verifies, and audits as runbook:rotate-kms-key", async () => {
    const result = await runMain(main, ["--yes"], { env: env() });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/verified: automatic rotation on, 1 rotation\(s\), newest on-demand/);
    expect((await rotations()).map((r) => r.RotationType)).toEqual(["ON_DEMAND"]);
    expect(audit().map((r) => [r.actor, r.action, r.target])).toEqual([
      ["runbook:rotate-kms-key", "kms.enable_rotation", keyId],
      ["runbook:rotate-kms-key", "kms.rotate", keyId],
    ]);
  });

  it("is idempotent: a second run finds a fresh rotation and changes nothing", async () => {
    const result = await runMain(main, ["--yes"], { env: env() });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain("nothing to rotate");
    expect(await rotations()).toHaveLength(1);
    expect(audit()).toHaveLength(2);
  });

  it("fails with one clear line for a key that does not exist", async () => {
    const result = await runMain(main, ["--yes", "--key-id", "00000000-0000-0000-0000-000000000000"], {
      env: env(),
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/✖ rotate-kms-key: NotFoundException/);
  });

  it("rejects a rotation period outside what KMS allows", async () => {
    const result = await runMain(main, ["--period-days", "30"], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad option: period/);
  });
});
