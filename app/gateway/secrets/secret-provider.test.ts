import { CreateSecretCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKmsKey, motoEndpoint, uniqueName } from "../store/testing/aws-test-support.js";
import { StoreUnavailableError } from "../store/errors.js";
import { startLoopbackProxy } from "../store/testing/loopback-proxy.js";
import { SecretConfigError } from "./gateway-secret-schema.js";
import {
  createSecretProvider,
  createSecretsManagerClient,
  ENV_PEPPER_ID,
  type SecretProvider,
} from "./secret-provider.js";

const ADMIN_V1 = "admin-key-version-one-0123456789";
const ADMIN_V2 = "admin-key-version-two-9876543210";
const PEPPER_A = "pepper-a-0123456789abcdef";
const PEPPER_B = "pepper-b-fedcba9876543210";

const client = createSecretsManagerClient({ endpoint: motoEndpoint() });
let kmsKeyId: string;

async function createSecret(value: unknown): Promise<string> {
  const name = uniqueName("cq/gateway-admin");
  await client.send(
    new CreateSecretCommand({
      Name: name,
      KmsKeyId: kmsKeyId,
      SecretString: typeof value === "string" ? value : JSON.stringify(value),
    }),
  );
  return name;
}

/** A scheduler the test fires by hand, instead of waiting for minutes to pass. */
function manualScheduler() {
  const tasks: Array<{ task: () => void; ms: number }> = [];
  return {
    tasks,
    scheduleEvery: (task: () => void, ms: number) => {
      tasks.push({ task, ms });
      return () => tasks.splice(0);
    },
  };
}

beforeAll(async () => {
  kmsKeyId = await createTestKmsKey("gateway secrets");
});

describe("secrets from the environment", () => {
  it("uses ADMIN_API_KEY and KEY_PEPPER, with pepper id env", async () => {
    const provider = await createSecretProvider({ ADMIN_API_KEY: ADMIN_V1, KEY_PEPPER: PEPPER_A });
    expect(provider.current()).toMatchObject({
      source: "env",
      adminApiKey: ADMIN_V1,
      currentPepperId: ENV_PEPPER_ID,
    });
    expect(provider.pepper(ENV_PEPPER_ID)).toBe(PEPPER_A);
    expect(provider.pepper("v1")).toBeUndefined();
    await expect(provider.refresh()).resolves.toMatchObject({ adminApiKey: ADMIN_V1 });
  });

  it("names every missing or weak variable without printing values", async () => {
    const error = await createSecretProvider({ KEY_PEPPER: "short" }).then(
      () => new Error("expected a rejection"),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(SecretConfigError);
    expect(error.message).toMatch(/ADMIN_API_KEY: is required/);
    expect(error.message).toMatch(/KEY_PEPPER: must be at least 16 characters/);
    expect(error.message).not.toContain("short");
  });

  it("refuses both ADMIN_SECRET_ID and ADMIN_API_KEY", async () => {
    await expect(createSecretProvider({ ADMIN_SECRET_ID: "x", ADMIN_API_KEY: ADMIN_V1 })).rejects.toThrow(
      /either ADMIN_SECRET_ID/,
    );
  });
});

describe("secrets from Secrets Manager", () => {
  const providers: SecretProvider[] = [];
  afterAll(() => providers.forEach((p) => p.close()));

  it("loads the admin key and every pepper from the KMS-encrypted secret", async () => {
    const id = await createSecret({
      admin_api_key: ADMIN_V1,
      peppers: { v1: PEPPER_A },
      current_pepper: "v1",
    });
    const provider = await createSecretProvider({ ADMIN_SECRET_ID: id }, { secretsClient: client });
    providers.push(provider);
    expect(provider.current()).toMatchObject({
      source: "secrets-manager",
      adminApiKey: ADMIN_V1,
      currentPepperId: "v1",
    });
    expect(provider.pepper("v1")).toBe(PEPPER_A);
  });

  it("takes a rotated admin key and a new pepper on refresh, keeping the old pepper", async () => {
    const id = await createSecret({
      admin_api_key: ADMIN_V1,
      peppers: { v1: PEPPER_A },
      current_pepper: "v1",
    });
    const provider = await createSecretProvider({ ADMIN_SECRET_ID: id }, { secretsClient: client });
    providers.push(provider);
    const changes: string[] = [];
    provider.onChange((s) => changes.push(s.currentPepperId));
    await client.send(
      new PutSecretValueCommand({
        SecretId: id,
        SecretString: JSON.stringify({
          admin_api_key: ADMIN_V2,
          peppers: { v1: PEPPER_A, v2: PEPPER_B },
          current_pepper: "v2",
        }),
      }),
    );
    await provider.refresh();
    expect(provider.current()).toMatchObject({ adminApiKey: ADMIN_V2, currentPepperId: "v2" });
    expect(provider.pepper("v1")).toBe(PEPPER_A);
    expect(changes).toEqual(["v2"]);
    await provider.refresh();
    expect(changes).toEqual(["v2"]);
  });

  it("re-reads the secret on its refresh interval", async () => {
    const id = await createSecret({
      admin_api_key: ADMIN_V1,
      peppers: { v1: PEPPER_A },
      current_pepper: "v1",
    });
    const scheduler = manualScheduler();
    const provider = await createSecretProvider(
      { ADMIN_SECRET_ID: id },
      { secretsClient: client, scheduleEvery: scheduler.scheduleEvery, refreshIntervalMs: 60_000 },
    );
    providers.push(provider);
    expect(scheduler.tasks.map((t) => t.ms)).toEqual([60_000]);
    await client.send(
      new PutSecretValueCommand({
        SecretId: id,
        SecretString: JSON.stringify({
          admin_api_key: ADMIN_V2,
          peppers: { v1: PEPPER_A },
          current_pepper: "v1",
        }),
      }),
    );
    const changed = new Promise((resolve) => provider.onChange(resolve));
    scheduler.tasks[0]!.task();
    await changed;
    expect(provider.current().adminApiKey).toBe(ADMIN_V2);
  });

  it("keeps the last good secrets when a refresh finds a broken secret", async () => {
    const id = await createSecret({
      admin_api_key: ADMIN_V1,
      peppers: { v1: PEPPER_A },
      current_pepper: "v1",
    });
    const provider = await createSecretProvider({ ADMIN_SECRET_ID: id }, { secretsClient: client });
    providers.push(provider);
    await client.send(new PutSecretValueCommand({ SecretId: id, SecretString: "{not json" }));
    await expect(provider.refresh()).rejects.toThrow(/is not valid JSON/);
    expect(provider.current().adminApiKey).toBe(ADMIN_V1);
  });

  it("names the secret and each bad field, never a value", async () => {
    const id = await createSecret({
      admin_api_key: "tiny-admin",
      peppers: { v1: "tiny-pepper", "bad id!": PEPPER_B },
      current_pepper: "v9",
    });
    const error = await createSecretProvider({ ADMIN_SECRET_ID: id }, { secretsClient: client }).then(
      () => new Error("expected a rejection"),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(SecretConfigError);
    expect(error.message).toContain(`Secret "${id}" is invalid`);
    expect(error.message).toMatch(/admin_api_key: must be at least 16 characters/);
    expect(error.message).toMatch(/peppers\.v1: must be at least 16 characters/);
    expect(error.message).toMatch(/pepper ids use/);
    for (const value of ["tiny-admin", "tiny-pepper", PEPPER_B]) expect(error.message).not.toContain(value);
  });

  it("names current_pepper when it is not one of the peppers", async () => {
    const id = await createSecret({
      admin_api_key: ADMIN_V1,
      peppers: { v1: PEPPER_A },
      current_pepper: "v2",
    });
    await expect(createSecretProvider({ ADMIN_SECRET_ID: id }, { secretsClient: client })).rejects.toThrow(
      /current_pepper: must name one of the ids in peppers/,
    );
  });

  it("says so when the secret does not exist", async () => {
    await expect(
      createSecretProvider({ ADMIN_SECRET_ID: "cq/missing-secret-x" }, { secretsClient: client }),
    ).rejects.toThrow(/Secret "cq\/missing-secret-x" was not found/);
  });

  it("answers StoreUnavailableError when Secrets Manager cannot be reached, and recovers", async () => {
    const id = await createSecret({
      admin_api_key: ADMIN_V1,
      peppers: { v1: PEPPER_A },
      current_pepper: "v1",
    });
    const proxy = await startLoopbackProxy(motoEndpoint());
    try {
      const viaProxy = createSecretsManagerClient({
        endpoint: proxy.url,
        retry: { attempts: 2, baseMs: 10, capMs: 20 },
      });
      const provider = await createSecretProvider({ ADMIN_SECRET_ID: id }, { secretsClient: viaProxy });
      providers.push(provider);
      await proxy.stop();
      await expect(provider.refresh()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(provider.current().adminApiKey).toBe(ADMIN_V1);
      await proxy.restart();
      await expect(provider.refresh()).resolves.toMatchObject({ adminApiKey: ADMIN_V1 });
    } finally {
      await proxy.close();
    }
  });
});
