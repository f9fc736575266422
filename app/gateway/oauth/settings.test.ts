import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../config.js";
import { oauthBearerOf } from "./bearer-token.js";

const base = {
  ADMIN_API_KEY: `admin-${randomBytes(24).toString("base64url")}`,
  KEY_PEPPER: randomBytes(32).toString("base64url"),
};

describe("OAuth settings", () => {
  it("turn OAuth on when GATEWAY_PUBLIC_URL names the issuer, with 15-minute access and 30-day refresh tokens", () => {
    const config = loadGatewayConfig({ ...base, GATEWAY_PUBLIC_URL: "https://gw.example.com" });
    expect(config.oauthEnabled).toBe(true);
    expect(config.oauthAccessTokenTtlSeconds).toBe(900);
    expect(config.oauthRefreshTokenTtlSeconds).toBe(30 * 86_400);
  });

  it("leave OAuth off without GATEWAY_PUBLIC_URL, or with OAUTH_ENABLED=false", () => {
    expect(loadGatewayConfig(base).oauthEnabled).toBe(false);
    expect(
      loadGatewayConfig({ ...base, GATEWAY_PUBLIC_URL: "https://gw.example.com", OAUTH_ENABLED: "false" })
        .oauthEnabled,
    ).toBe(false);
  });

  it.each([
    [
      "OAUTH_ACCESS_TOKEN_TTL_SECONDS",
      "0",
      /OAUTH_ACCESS_TOKEN_TTL_SECONDS: expected a whole number from 1 to 86400/,
    ],
    [
      "OAUTH_REFRESH_TOKEN_TTL_DAYS",
      "400",
      /OAUTH_REFRESH_TOKEN_TTL_DAYS: expected a whole number from 1 to 365/,
    ],
    ["OAUTH_ENABLED", "maybe", /OAUTH_ENABLED: expected true or false/],
  ])("refuse %s=%s with a clear error", (name, value, message) => {
    expect(() => loadGatewayConfig({ ...base, [name]: value })).toThrow(message);
  });
});

describe("oauthBearerOf", () => {
  it("takes the token of an Authorization: Bearer header", () => {
    expect(oauthBearerOf("Bearer abc.DEF_123-x~")).toBe("abc.DEF_123-x~");
    expect(oauthBearerOf("bearer   abc")).toBe("abc");
  });

  it("leaves CodeQuery keys, other schemes and malformed headers to the rest of the middleware", () => {
    expect(oauthBearerOf(`Bearer cq_abcdefghijkl_${"x".repeat(43)}`)).toBeUndefined();
    expect(oauthBearerOf("Basic dXNlcjpwYXNz")).toBeUndefined();
    expect(oauthBearerOf("Bearer two words")).toBeUndefined();
    expect(oauthBearerOf("")).toBeUndefined();
  });
});
