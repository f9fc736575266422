import { describe, expect, it } from "vitest";
import { redactPath } from "./log-path.js";

describe("redactPath (unmatched paths in logs and 404 answers)", () => {
  it.each([
    ["/api-keys/cq_abcdefghijkl_" + "a".repeat(43), "/api-keys/[redacted]"],
    ["/x/%63q_abcdefghijkl_" + "b".repeat(43), "/x/[redacted]"],
    ["/x/admin-" + "k".repeat(30) + "/y", "/x/[redacted]/y"],
    ["/files/structure", "/files/structure"],
    ["/no/such/route", "/no/such/route"],
  ])("%s → %s", (path, expected) => expect(redactPath(path)).toBe(expected));
});
