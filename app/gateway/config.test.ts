import { describe, expect, it } from "vitest";
import { ConfigError } from "../common/config.js";
import { loadGatewayConfig } from "./config.js";

const base = { ADMIN_API_KEY: "a".repeat(40), KEY_PEPPER: "p".repeat(40) };

function problemsOf(env: Record<string, string>): string {
  try {
    loadGatewayConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("Gateway configuration", () => {
  it("applies the documented defaults", () => {
    const config = loadGatewayConfig(base);
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      store: "file",
      dataDir: ".data/gateway",
      publicKeyGeneration: false,
      allowInsecureTunnels: false,
      defaultRpm: 60,
      defaultExpirationDays: 30,
      rotationGraceHours: 24,
      revokedRetentionDays: 30,
      rateLimitStore: "memory",
      logLevel: "info",
    });
    expect(config.tunnelHostAllowlist).toContain("*.ngrok-free.app");
  });

  it("names every bad variable in one message, cross-field rules included", () => {
    const message = problemsOf({
      GATEWAY_PORT: "x",
      STORE: "s4",
      DEFAULT_RPM: "-1",
      PUBLIC_KEY_GENERATION: "maybe",
      RATE_LIMIT_STORE: "dynamodb",
      LOG_LEVEL: "loud",
      GATEWAY_PUBLIC_URL: "ftp://x",
    });
    for (const name of [
      "GATEWAY_PORT",
      "STORE",
      "DEFAULT_RPM",
      "PUBLIC_KEY_GENERATION",
      "RATE_LIMIT_TABLE",
      "LOG_LEVEL",
      "GATEWAY_PUBLIC_URL",
      "ADMIN_API_KEY",
      "KEY_PEPPER",
    ]) {
      expect(message).toContain(`${name}:`);
    }
  });

  it("requires S3_BUCKET with STORE=s3", () => {
    expect(problemsOf({ ...base, STORE: "s3" })).toMatch(/S3_BUCKET: is required when STORE=s3/);
    expect(loadGatewayConfig({ ...base, STORE: "s3", S3_BUCKET: "b" }).s3Bucket).toBe("b");
  });

  it("accepts ADMIN_SECRET_ID instead of ADMIN_API_KEY and KEY_PEPPER, but not both", () => {
    expect(loadGatewayConfig({ ADMIN_SECRET_ID: "cq/gateway" }).adminSecretId).toBe("cq/gateway");
    expect(problemsOf({ ...base, ADMIN_SECRET_ID: "cq/gateway" })).toMatch(/ADMIN_SECRET_ID: set either/);
  });

  it("refuses short secrets and a bad tunnel allowlist", () => {
    expect(problemsOf({ ADMIN_API_KEY: "short", KEY_PEPPER: "short" })).toMatch(
      /ADMIN_API_KEY: must be at least/,
    );
    expect(problemsOf({ ...base, TUNNEL_HOST_ALLOWLIST: "good.example.com,bad host" })).toMatch(
      /TUNNEL_HOST_ALLOWLIST: expected host names/,
    );
  });

  it("keeps defaults within their maximums", () => {
    expect(problemsOf({ ...base, DEFAULT_RPM: "500", MAX_RPM: "100" })).toMatch(
      /DEFAULT_RPM: must not exceed MAX_RPM/,
    );
  });
});

describe("the store backend, parsed once", () => {
  const env = { ADMIN_API_KEY: "a".repeat(32), KEY_PEPPER: "p".repeat(32) };
  it("is the file store under DATA_DIR by default", () => {
    expect(loadGatewayConfig({ ...env, DATA_DIR: "/var/lib/cq" }).backend).toEqual({
      kind: "file",
      dataDir: "/var/lib/cq",
    });
  });
  it("is S3 with its bucket, prefix, key and endpoint when STORE=s3", () => {
    expect(
      loadGatewayConfig({
        ...env,
        STORE: "s3",
        S3_BUCKET: "state",
        S3_PREFIX: "gw/",
        KMS_KEY_ID: "alias/cq",
        AWS_REGION: "eu-west-1",
        AWS_ENDPOINT_URL: "http://127.0.0.1:5000",
      }).backend,
    ).toEqual({
      kind: "s3",
      bucket: "state",
      prefix: "gw/",
      kmsKeyId: "alias/cq",
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:5000",
    });
  });
});
