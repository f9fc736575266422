import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { CreateSecretCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsTestEnv } from "../../../test/support/moto.js";
import { startFakeCore, type FakeCore } from "../proxy/testing/harness.js";
import { createSecretsManagerClient } from "../secrets/secret-provider.js";
import { uniqueName } from "../store/testing/aws-test-support.js";
import { createRecordStore } from "../store/record-store.js";
import type { KeyRecord } from "../store/types.js";
import { startTestGateway, type TestGateway } from "../testing/gateway-harness.js";

const TOKEN = "core-token-0123456789abcdefghijkl";
const pepper = () => randomBytes(32).toString("base64url");

describe("secrets from Secrets Manager (ADMIN_SECRET_ID)", () => {
  const client = createSecretsManagerClient({ endpoint: awsTestEnv().AWS_ENDPOINT_URL });
  const secretId = uniqueName("cq/gateway");
  const admin = `admin-${randomBytes(24).toString("base64url")}`;
  const p1 = pepper();
  let core: FakeCore;
  let first: TestGateway | undefined;
  let second: TestGateway | undefined;

  beforeAll(async () => {
    await client.send(
      new CreateSecretCommand({
        Name: secretId,
        SecretString: JSON.stringify({ admin_api_key: admin, peppers: { p1 }, current_pepper: "p1" }),
      }),
    );
    core = await startFakeCore((req, res) =>
      res.writeHead(req.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401).end("{}"),
    );
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await core?.close();
    client.destroy();
  });

  it("takes the admin key and pepper from the secret, and keeps old keys and Core tokens working after a pepper rotation", async () => {
    const env = {
      ...awsTestEnv(),
      ADMIN_SECRET_ID: secretId,
      ADMIN_API_KEY: "",
      KEY_PEPPER: "",
      ALLOW_INSECURE_TUNNELS: "true",
    };
    first = await startTestGateway({ ...env, ADMIN_API_KEY: "" });
    const old = await first.call("POST", "/api-keys/generate", { key: admin });
    expect(old.status).toBe(200);
    const oldKey = old.body.api_key as string;
    const reg = await first.call("POST", "/ngrok-urls/", {
      key: oldKey,
      body: { ngrok_url: core.url, core_token: TOKEN },
    });
    expect(reg.status).toBe(200);
    const dataDir = first.dataDir;
    await first.gateway.close();

    await client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: JSON.stringify({
          admin_api_key: admin,
          peppers: { p1, p2: pepper() },
          current_pepper: "p2",
        }),
      }),
    );
    second = await startTestGateway(
      { ...env, DATA_DIR: dataDir },
      { store: createRecordStore({ kind: "file", dataDir }) },
    );
    expect((await second.call("GET", "/api-keys/self", { key: oldKey })).status).toBe(200);
    expect((await second.call("GET", "/files/structure", { key: oldKey })).status).toBe(200);
    const fresh = await second.call("POST", "/api-keys/generate", { key: admin });
    const stored = JSON.parse(
      readFileSync(`${dataDir}/keys/${fresh.body.key_id as string}.json`, "utf8"),
    ) as KeyRecord;
    expect(stored.secret.pepper_id).toBe("p2");
    expect(readFileSync(`${dataDir}/audit.jsonl`, "utf8")).not.toContain(admin);
  });
});
