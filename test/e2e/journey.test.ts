/**
 * The full production journey on this machine, with cleanup: a Gateway on the s3 store (moto:
 * versioned bucket + KMS key), a Core as a real process on a temporary project with the `none`
 * tunnel. Each step depends on the one before, as a user's day would.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestAws, type TestAws } from "./support/aws.js";
import { spawnCore, waitUntil, type CoreProcess } from "./support/core-process.js";
import { http, startLocalGateway, type LocalGateway } from "./support/local-gateway.js";

const GRACE_HOURS = 24;
let clockOffsetMs = 0;
const now = () => Date.now() + clockOffsetMs;

let aws: TestAws;
let gw: LocalGateway;
let core: CoreProcess | undefined;
let project: string;

const state = { keyId: "", key: "", rotatedKey: "", coreUrl: "" };
const gateway = (path: string, init: Parameters<typeof http>[1] = {}) => http(`${gw.url}${path}`, init);
const admin = (path: string, init: Parameters<typeof http>[1] = {}) =>
  gateway(path, { ...init, key: gw.adminKey });

beforeAll(async () => {
  aws = await createTestAws("cq-journey");
  gw = await startLocalGateway(
    { ...aws.env, S3_PREFIX: "gateway/", ROTATION_GRACE_HOURS: String(GRACE_HOURS) },
    { now },
  );
  project = mkdtempSync(join(tmpdir(), "cq-journey-project-"));
  mkdirSync(join(project, "src"));
  writeFileSync(join(project, "README.md"), "# Journey project\n");
  writeFileSync(join(project, "src", "index.ts"), "export const answer = 42;\n");
  writeFileSync(join(project, ".env"), "SECRET=never-served\n");
}, 120_000);

afterAll(async () => {
  await core?.stop();
  await gw?.close();
  if (project) rmSync(project, { recursive: true, force: true });
  await aws?.destroy();
  aws?.s3.destroy();
}, 120_000);

describe("the production journey", { timeout: 120_000 }, () => {
  it("generates a key with the admin key", async () => {
    const res = await admin("/api-keys/generate", {
      method: "POST",
      body: { label: "journey", requests_per_minute: 120 },
    });
    expect(res.status).toBe(200);
    state.key = String(res.body.api_key);
    state.keyId = String(res.body.key_id);
    expect(state.key).toMatch(new RegExp(`^cq_${state.keyId}_[A-Za-z0-9_-]{43}$`));
    expect(await aws.exists(`gateway/keys/${state.keyId}.json`)).toBe(true);
  });

  it("starts a Core that registers itself with the Gateway", async () => {
    core = spawnCore({ projectPath: project, apiKey: state.key, gatewayUrl: gw.url });
    await waitUntil(
      async () => (await gateway("/ngrok-urls/self", { key: state.key })).status === 200,
      90_000,
      `Core registration\n${core.output()}`,
    );
    const self = await gateway("/ngrok-urls/self", { key: state.key });
    expect(self.body).toMatchObject({
      key_id: state.keyId,
      ngrok_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(JSON.stringify(self.body)).not.toMatch(/token/);
    state.coreUrl = String(self.body.ngrok_url);
    expect(await aws.exists(`gateway/tunnels/${state.keyId}.json`)).toBe(true);
  });

  it("reads the structure and files through the Gateway", async () => {
    const tree = await gateway("/files/structure", { key: state.key });
    expect(tree.status).toBe(200);
    expect(tree.body["."]).toMatchObject({ directories: ["src"], files: ["README.md"] });
    expect(tree.body.src).toMatchObject({ files: ["index.ts"] });
    const content = await gateway("/files/content", {
      method: "POST",
      key: state.key,
      body: { file_paths: ["src/index.ts", ".env"] },
    });
    expect(content.status).toBe(200);
    expect(content.body["src/index.ts"]).toMatchObject({ content: "export const answer = 42;\n" });
    expect(content.body[".env"]).toHaveProperty("error");
    expect(JSON.stringify(content.body)).not.toContain("never-served");
  });

  it("refuses a caller without a key, and the Core refuses the Gateway's path without its token", async () => {
    expect((await gateway("/files/structure")).status).toBe(401);
    // The Core is on loopback here; a leaked tunnel URL alone opens nothing but health.
    expect((await http(`${state.coreUrl}/files/structure`)).status).toBe(401);
    expect((await http(`${state.coreUrl}/`)).status).toBe(200);
  });

  it("hits the rate limit of a key with a small rpm: 429 with the headers", async () => {
    const small = await admin("/api-keys/generate", {
      method: "POST",
      body: { label: "journey-small", requests_per_minute: 2 },
    });
    const smallKey = String(small.body.api_key);
    const first = await gateway("/api-keys/self", { key: smallKey });
    expect(first.headers.get("ratelimit-limit")).toBe("2");
    expect(first.headers.get("ratelimit-remaining")).toBe("1");
    await gateway("/api-keys/self", { key: smallKey });
    const limited = await gateway("/api-keys/self", { key: smallKey });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(limited.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({
      detail: expect.stringMatching(/Rate limit/),
      limit: 2,
      reset_at: expect.any(String),
    });
    expect((await admin(`/api-keys/${String(small.body.key_id)}`, { method: "DELETE" })).status).toBe(200);
  });

  it("rotates the key: the Core keeps working with the new key and, during the grace period, the old one", async () => {
    const rotated = await gateway("/api-keys/self/rotate", { method: "POST", key: state.key });
    expect(rotated.status).toBe(200);
    state.rotatedKey = String(rotated.body.api_key);
    expect(state.rotatedKey).not.toBe(state.key);
    expect((await gateway("/files/structure", { key: state.rotatedKey })).status).toBe(200);
    expect((await gateway("/files/structure", { key: state.key })).status).toBe(200);
  });

  it("after the grace period only the new key works, and the Core still answers", async () => {
    clockOffsetMs = (GRACE_HOURS + 1) * 3_600_000;
    expect((await gateway("/files/structure", { key: state.key })).status).toBe(401);
    const tree = await gateway("/files/structure", { key: state.rotatedKey });
    expect(tree.status).toBe(200);
    expect(tree.body.src).toMatchObject({ files: ["index.ts"] });
    // The Core did not need to re-register: its bearer token is not the user's key.
    expect((await gateway("/ngrok-urls/self", { key: state.rotatedKey })).body.ngrok_url).toBe(state.coreUrl);
  });

  it("revokes the key: the Gateway refuses it", async () => {
    expect((await gateway("/api-keys/self/revoke", { method: "POST", key: state.rotatedKey })).status).toBe(
      200,
    );
    const refused = await gateway("/files/structure", { key: state.rotatedKey });
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/revoked|Invalid/i);
  });

  it("purges the key: its record and its tunnel record are gone from S3", async () => {
    expect((await admin(`/api-keys/${state.keyId}`, { method: "DELETE" })).status).toBe(200);
    expect((await admin(`/api-keys/${state.keyId}`)).status).toBe(404);
    expect((await admin(`/ngrok-urls/${state.keyId}`)).status).toBe(404);
    expect(await aws.exists(`gateway/keys/${state.keyId}.json`)).toBe(false);
    expect(await aws.exists(`gateway/tunnels/${state.keyId}.json`)).toBe(false);
  });

  it("recorded every step in the audit trail, without a raw key", async () => {
    const audit = await admin(`/audit?key_id=${state.keyId}`);
    const actions = (audit.body.records as Array<{ action: string; outcome: string }>).map(
      (r) => `${r.action}:${r.outcome}`,
    );
    for (const step of ["key.generate", "tunnel.register", "key.rotate", "key.revoke", "key.purge"])
      expect(actions).toContain(`${step}:success`);
    const raw = JSON.stringify(audit.body);
    expect(raw).not.toContain(state.key);
    expect(raw).not.toContain(state.rotatedKey);
  });

  it("leaves nothing behind", async () => {
    await core!.stop();
    expect(core!.child.exitCode ?? core!.child.signalCode).not.toBeNull();
    await gw.close();
    rmSync(project, { recursive: true, force: true });
    expect(existsSync(project)).toBe(false);
    expect(existsSync(gw.dataDir)).toBe(false);
    expect(await aws.countVersions()).toBeGreaterThan(0);
    await aws.destroy();
    expect(await aws.bucketExists()).toBe(false);
  });
});
