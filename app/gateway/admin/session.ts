import { randomBytes } from "node:crypto";
import { safeEqual } from "../../common/http.js";

/** One signed-in admin browser: the cookie carries `id`; every API call repeats `csrfToken`. */
export interface AdminSession {
  id: string;
  csrfToken: string;
  /** epoch milliseconds */
  expiresAt: number;
}

export interface AdminSessions {
  create(): AdminSession;
  /** true only for a live session whose CSRF token matches (constant-time) */
  verify(id: string | undefined, csrfToken: string | undefined): boolean;
  destroy(id: string | undefined): void;
}

export interface AdminSessionOptions {
  ttlMs: number;
  /** injectable clock (epoch ms) so tests can expire sessions without waiting */
  now?: () => number;
  /** bound on live sessions; the oldest are dropped first so a flood cannot exhaust memory */
  maxSessions?: number;
}

/** 32 random bytes, base64url: unguessable and safe in a cookie or header. */
const randomToken = (): string => randomBytes(32).toString("base64url");
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Admin web sessions, held in memory: a Gateway restart signs everybody out, which is the safe
 * failure. Sessions are not shared between Gateway instances, so behind a load balancer with
 * several instances the ALB needs stickiness for /admin (documented in docs/security.md).
 */
export function createAdminSessions(options: AdminSessionOptions): AdminSessions {
  const now = options.now ?? Date.now;
  const maxSessions = options.maxSessions ?? 1000;
  // Map keeps insertion order, which is creation order: the first entry is the oldest.
  const sessions = new Map<string, AdminSession>();

  const dropExpired = () => {
    const t = now();
    for (const [id, s] of sessions) if (s.expiresAt <= t) sessions.delete(id);
  };

  return {
    create() {
      dropExpired();
      while (sessions.size >= maxSessions) {
        const oldest = sessions.keys().next().value;
        if (oldest === undefined) break;
        sessions.delete(oldest);
      }
      const session: AdminSession = {
        id: randomToken(),
        csrfToken: randomToken(),
        expiresAt: now() + options.ttlMs,
      };
      sessions.set(session.id, session);
      return { ...session };
    },
    verify(id, csrfToken) {
      if (!id || !csrfToken || !TOKEN_SHAPE.test(id)) return false;
      const session = sessions.get(id);
      if (!session) return false;
      if (session.expiresAt <= now()) {
        sessions.delete(id);
        return false;
      }
      return safeEqual(session.csrfToken, csrfToken);
    },
    destroy(id) {
      if (id) sessions.delete(id);
    },
  };
}
