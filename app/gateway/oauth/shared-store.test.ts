import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestEnv } from "../../../test/support/moto.js";
import { createTestBucket, testS3Client } from "../store/testing/aws-test-support.js";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";
import { ConsentBrowser } from "./testing/consent-driver.js";
import { freePort, startRegisteredCore, type RegisteredCore } from "./testing/oauth-gateway.js";
import { listToolsWith, pkcePair, RawOAuthClient } from "./testing/raw-oauth-client.js";

const REDIRECT = "http://127.0.0.1:53687/callback";

/**
 * Two Gateway instances behind one public URL on one S3 bucket (moto), as in production behind
 * the load balancer: a client registered, approved and issued tokens on one is served by the other.
 */
describe("OAuth across two Gateway instances on one bucket", { timeout: 60_000 }, () => {
  let a: TestGateway;
  let b: TestGateway;
  let core: RegisteredCore;
  let user: { api_key: string; key_id: string };

  beforeAll(async () => {
    const bucket = await createTestBucket(testS3Client(), "cq-oauth-two");
    const port = await freePort();
    const shared = {
      ...awsTestEnv(),
      STORE: "s3",
      S3_BUCKET: bucket,
      ADMIN_API_KEY: `admin-${randomBytes(24).toString("base64url")}`,
      KEY_PEPPER: randomBytes(32).toString("base64url"),
      KEY_CACHE_TTL_SECONDS: "0",
      // The public URL (the issuer) is instance A's address; B stands behind the same name.
      GATEWAY_PUBLIC_URL: `http://127.0.0.1:${port}`,
    };
    // Started together: one makes the signing keys, the other must use the same ones.
    [a, b] = await Promise.all([
      startTestGateway({ ...shared, GATEWAY_PORT: String(port) }),
      startTestGateway(shared),
    ]);
    user = await a.generateKey();
    core = await startRegisteredCore(a, user.api_key);
  });
  afterAll(async () => {
    await core?.close();
    await a?.close();
    await b?.close();
  });

  it("issues on one instance and is honoured by the other, refresh included", async () => {
    const client = await RawOAuthClient.register(a.url, REDIRECT);
    const pkce = pkcePair();
    const answer = await new ConsentBrowser(REDIRECT).authorize(client.authorizationUrl(pkce), user.api_key);
    const code = new URL(answer.redirectedToClient!).searchParams.get("code")!;

    // The code is redeemed at the other instance, and the tokens used on both.
    const onB = new RawOAuthClient(b.url, client.clientId, REDIRECT);
    const tokens = await onB.exchangeCode(code, pkce.verifier, { resource: client.resource });
    expect(tokens.status).toBe(200);
    expect((await listToolsWith(b.url, String(tokens.body.access_token))).status).toBe(200);
    expect((await listToolsWith(a.url, String(tokens.body.access_token))).status).toBe(200);

    const refreshed = await client.refresh(String(tokens.body.refresh_token));
    expect(refreshed.status).toBe(200);
    expect((await onB.refresh(String(tokens.body.refresh_token))).body.error).toBe("invalid_grant");
  });
});
