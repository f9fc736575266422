import { describe, expect, it } from "vitest";
import { coreSummary, toKeyRow, toKeyRows } from "./keys-model.js";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const base = {
  key_id: "abc123def456",
  created_at: "2026-05-01T00:00:00Z",
  expires_at: "2026-07-01T00:00:00Z",
  rate_limit: 60,
};

describe("key rows on the admin page", () => {
  it("shows an active key with its usage and rate limit", () => {
    const row = toKeyRow(
      { ...base, status: "active", label: "laptop", last_used: "2026-05-31T00:00:00Z", total_requests: 7 },
      NOW,
    );
    expect(row).toMatchObject({
      keyId: "abc123def456",
      label: "laptop",
      status: "active",
      totalRequests: 7,
      rateLimit: 60,
    });
  });

  it("marks a key past its expiry as expired and a revoked key as revoked", () => {
    expect(toKeyRow({ ...base, expires_at: "2026-05-31T00:00:00Z", status: "active" }, NOW).status).toBe(
      "expired",
    );
    expect(toKeyRow({ ...base, status: "revoked" }, NOW).status).toBe("revoked");
  });

  it("marks a key whose previous secret is still in its grace period as rotating", () => {
    expect(toKeyRow({ ...base, status: "active", grace_until: "2026-06-01T10:00:00Z" }, NOW).status).toBe(
      "rotating",
    );
    expect(toKeyRow({ ...base, status: "active", grace_until: "2026-05-31T10:00:00Z" }, NOW).status).toBe(
      "active",
    );
    expect(toKeyRow({ ...base, status: "rotating" }, NOW).status).toBe("rotating");
  });

  it("reads usage and core state whether nested or flat", () => {
    const row = toKeyRow(
      {
        ...base,
        usage: { total_requests: 3, last_used: null },
        core: { registered: true, answering: false },
      },
      NOW,
    );
    expect(row.totalRequests).toBe(3);
    expect(coreSummary(row.core)).toEqual({ text: "not answering", kind: "no" });
    expect(coreSummary(toKeyRow({ ...base, core_registered: false }, NOW).core).text).toBe("not registered");
    expect(coreSummary(toKeyRow(base, NOW).core).text).toBe("unknown");
    expect(coreSummary(toKeyRow({ ...base, tunnel: null }, NOW).core).text).toBe("not registered");
    expect(
      coreSummary(
        toKeyRow(
          { ...base, tunnel: { url: "https://a.ngrok.app", registered_at: "2026-05-31T00:00:00Z" } },
          NOW,
        ).core,
      ),
    ).toEqual({
      text: "registered",
      kind: "yes",
    });
  });

  it("accepts a list or {keys: [...]} and skips junk", () => {
    expect(toKeyRows([base], NOW)).toHaveLength(1);
    expect(toKeyRows({ keys: [base, null, 3] }, NOW)).toHaveLength(1);
    expect(toKeyRows("nonsense", NOW)).toEqual([]);
  });
});
