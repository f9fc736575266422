import { describe, expect, it } from "vitest";
import { createAdminSessions } from "./session.js";

describe("admin sessions", () => {
  const clock = () => {
    let t = 1_700_000_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it("creates unguessable ids and CSRF tokens of 32 random bytes", () => {
    const sessions = createAdminSessions({ ttlMs: 60_000 });
    const a = sessions.create();
    const b = sessions.create();
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.id, a.csrfToken, b.id, b.csrfToken]).size).toBe(4);
  });

  it("verifies a live session only with its own CSRF token", () => {
    const sessions = createAdminSessions({ ttlMs: 60_000 });
    const a = sessions.create();
    const b = sessions.create();
    expect(sessions.verify(a.id, a.csrfToken)).toBe(true);
    expect(sessions.verify(a.id, b.csrfToken)).toBe(false);
    expect(sessions.verify(a.id, undefined)).toBe(false);
    expect(sessions.verify(undefined, a.csrfToken)).toBe(false);
    expect(sessions.verify("not-a-session", a.csrfToken)).toBe(false);
  });

  it("expires a session after its TTL", () => {
    const c = clock();
    const sessions = createAdminSessions({ ttlMs: 60_000, now: c.now });
    const s = sessions.create();
    expect(s.expiresAt).toBe(c.now() + 60_000);
    c.advance(59_999);
    expect(sessions.verify(s.id, s.csrfToken)).toBe(true);
    c.advance(1);
    expect(sessions.verify(s.id, s.csrfToken)).toBe(false);
  });

  it("forgets a destroyed session", () => {
    const sessions = createAdminSessions({ ttlMs: 60_000 });
    const s = sessions.create();
    sessions.destroy(s.id);
    expect(sessions.verify(s.id, s.csrfToken)).toBe(false);
    sessions.destroy(undefined);
  });

  it("drops the oldest sessions beyond the bound", () => {
    const sessions = createAdminSessions({ ttlMs: 60_000, maxSessions: 2 });
    const first = sessions.create();
    const second = sessions.create();
    const third = sessions.create();
    expect(sessions.verify(first.id, first.csrfToken)).toBe(false);
    expect(sessions.verify(second.id, second.csrfToken)).toBe(true);
    expect(sessions.verify(third.id, third.csrfToken)).toBe(true);
  });
});
