import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { singlePepperRing } from "../keys/hashing.js";
import { createTestBucket, createTestKmsKey, testS3Client } from "../store/testing/aws-test-support.js";
import { FileRecordStore } from "../store/file-store.js";
import { S3RecordStore } from "../store/s3-store.js";
import type { RecordStore } from "../store/types.js";
import { RecordStoreAdapter, type OAuthRecord } from "./record-store-adapter.js";
import { loadServerSecrets } from "./signing-keys.js";

const peppers = singlePepperRing("pepper-for-oauth-adapter-tests-0123456789");

/** The same behaviours on every backend, so several Gateway instances can share OAuth state. */
function adapterContract(
  name: string,
  makeStore: () => Promise<{ store: RecordStore; cleanup(): Promise<void> }>,
) {
  describe(`oidc-provider adapter over the record store: ${name}`, () => {
    let store: RecordStore;
    let cleanup: () => Promise<void>;
    let clock = Date.parse("2026-06-01T00:00:00Z");
    const adapter = (model: string) => new RecordStoreAdapter(model, { store, peppers, now: () => clock });
    let seq = 0;
    const id = () => `token-value-${Date.now().toString(36)}-${seq++}`;

    beforeAll(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterAll(async () => cleanup?.());

    it("finds what it upserted, and nothing for an unknown id", async () => {
      const tokens = adapter("AccessToken");
      const jti = id();
      await tokens.upsert(jti, { jti, kind: "AccessToken", accountId: "a", grantId: "g1" }, 60);
      expect(await tokens.find(jti)).toEqual({ jti, kind: "AccessToken", accountId: "a", grantId: "g1" });
      expect(await tokens.find(id())).toBeUndefined();
    });

    it("keeps models apart: the same id under another model is another object", async () => {
      const jti = id();
      await adapter("AccessToken").upsert(jti, { jti, kind: "AccessToken" }, 60);
      expect(await adapter("RefreshToken").find(jti)).toBeUndefined();
    });

    it("forgets an object once it has expired, by the injected clock", async () => {
      const codes = adapter("AuthorizationCode");
      const jti = id();
      await codes.upsert(jti, { jti, kind: "AuthorizationCode" }, 60);
      clock += 59_000;
      expect(await codes.find(jti)).toBeDefined();
      clock += 2_000;
      expect(await codes.find(jti)).toBeUndefined();
    });

    it("keeps an object without expiry (a registered client)", async () => {
      const clients = adapter("Client");
      const clientId = id();
      await clients.upsert(clientId, { client_id: clientId, redirect_uris: ["https://x.example/cb"] });
      clock += 400 * 86_400_000;
      expect(await clients.find(clientId)).toMatchObject({ client_id: clientId });
    });

    it("marks a consumed code, and refuses to consume it twice", async () => {
      const codes = adapter("AuthorizationCode");
      const jti = id();
      await codes.upsert(jti, { jti, kind: "AuthorizationCode", grantId: "g2" }, 60);
      await codes.find(jti);
      await codes.consume(jti);
      expect((await codes.find(jti))?.consumed).toEqual(expect.any(Number));
      await expect(codes.consume(jti)).rejects.toMatchObject({ error: "invalid_grant" });
    });

    it("lets only one of two instances consume the same code", async () => {
      const jti = id();
      await adapter("AuthorizationCode").upsert(jti, { jti, kind: "AuthorizationCode" }, 60);
      const [a, b] = [adapter("AuthorizationCode"), adapter("AuthorizationCode")];
      await Promise.all([a.find(jti), b.find(jti)]);
      const outcomes = await Promise.allSettled([a.consume(jti), b.consume(jti)]);
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    });

    it("revokes every object of a grant, and only those", async () => {
      const grantId = `grant-${id()}`;
      const [access, refresh, keep] = [id(), id(), id()];
      await adapter("AccessToken").upsert(access, { jti: access, grantId }, 60);
      await adapter("RefreshToken").upsert(refresh, { jti: refresh, grantId }, 600);
      await adapter("AccessToken").upsert(keep, { jti: keep, grantId: "another-grant" }, 60);
      await adapter("AccessToken").revokeByGrantId(grantId);
      expect(await adapter("AccessToken").find(access)).toBeUndefined();
      expect(await adapter("RefreshToken").find(refresh)).toBeUndefined();
      expect(await adapter("AccessToken").find(keep)).toBeDefined();
    });

    it("finds a session by its uid, and destroys it", async () => {
      const sessions = adapter("Session");
      const sessionId = id();
      await sessions.upsert(sessionId, { jti: sessionId, uid: `uid-${sessionId}` }, 60);
      expect(await sessions.findByUid(`uid-${sessionId}`)).toMatchObject({ jti: sessionId });
      await sessions.destroy(sessionId);
      expect(await sessions.findByUid(`uid-${sessionId}`)).toBeUndefined();
    });

    it("reads a record sealed under a pepper that is gone as missing", async () => {
      const jti = id();
      const other = singlePepperRing("another-pepper-no-longer-configured-012345", "old");
      await new RecordStoreAdapter("AccessToken", { store, peppers: other, now: () => clock }).upsert(
        jti,
        { jti },
        60,
      );
      expect(await adapter("AccessToken").find(jti)).toBeUndefined();
    });

    it("stores no token value in a record id or in the clear", async () => {
      const jti = `visible-token-${id()}`;
      await adapter("AccessToken").upsert(jti, { jti, accountId: "account-in-payload" }, 60);
      const all = await store.list<OAuthRecord>("oauth");
      const text = JSON.stringify(all);
      expect(text).not.toContain(jti);
      expect(text).not.toContain("account-in-payload");
      expect(all.every((r) => /^o1\./.test(r.value.sealed))).toBe(true);
    });

    it("makes the server's signing and cookie keys once, and every instance reads the same", async () => {
      const [first, second] = await Promise.all([
        loadServerSecrets(store, peppers),
        loadServerSecrets(store, peppers),
      ]);
      expect(second).toEqual(first);
      expect(first.jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256" });
      expect(JSON.stringify(await store.get("oauth", "signing-keys"))).not.toContain(first.cookieKeys[0]);
    });
  });
}

adapterContract("file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cq-oauth-adapter-"));
  return {
    store: new FileRecordStore({ dir }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

adapterContract("s3", async () => {
  const client = testS3Client();
  const bucket = await createTestBucket(client, "cq-oauth");
  const kmsKeyId = await createTestKmsKey("oauth adapter contract");
  return { store: new S3RecordStore({ client, bucket, prefix: "gw/", kmsKeyId }), cleanup: async () => {} };
});

describe("OAuth records on disk", () => {
  it("live under oauth/ with hashed names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cq-oauth-adapter-"));
    try {
      const jti = "plain-token-value-0123456789";
      await new RecordStoreAdapter("RefreshToken", {
        store: new FileRecordStore({ dir }),
        peppers,
        now: Date.now,
      }).upsert(jti, { jti }, 60);
      const names = readdirSync(join(dir, "oauth"));
      expect(names).toEqual([expect.stringMatching(/^refreshtoken-[0-9a-f]{48}\.json$/)]);
      expect(readFileSync(join(dir, "oauth", names[0]!), "utf8")).not.toContain(jti);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
