/**
 * Turns a key as the Gateway's `GET /api-keys` lists it into the row the page shows. Pure, so it
 * is unit-tested without a browser; tolerant of optional fields the Gateway may not send.
 */

export type KeyStatus = "active" | "rotating" | "revoked" | "expired";

export interface KeyRow {
  keyId: string;
  label: string | null;
  status: KeyStatus;
  createdAt: string | null;
  expiresAt: string | null;
  lastUsed: string | null;
  totalRequests: number | null;
  rateLimit: number | null;
  isAdmin: boolean;
  core: { registered: boolean | null; answering: boolean | null; registeredAt: string | null };
}

type Raw = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === "boolean" ? v : null);
const obj = (v: unknown): Raw | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Raw) : null);

function isFuture(iso: string | null, now: number): boolean {
  if (!iso) return false;
  const t = Date.parse(iso);
  return Number.isFinite(t) && t > now;
}

function statusOf(raw: Raw, now: number): KeyStatus {
  const stated = str(raw.status);
  if (stated === "revoked") return "revoked";
  const expiresAt = str(raw.expires_at);
  if (stated === "expired" || (expiresAt && !isFuture(expiresAt, now))) return "expired";
  if (stated === "rotating" || raw.rotating === true) return "rotating";
  const graceUntil = str(raw.grace_until) ?? str(raw.previous_valid_until) ?? str(raw.rotation_grace_until);
  if (isFuture(graceUntil, now)) return "rotating";
  return "active";
}

function coreOf(raw: Raw): KeyRow["core"] {
  const core = obj(raw.core) ?? obj(raw.tunnel);
  if (core) {
    return {
      registered: bool(core.registered) ?? true,
      answering: bool(core.answering) ?? bool(core.reachable),
      registeredAt: str(core.registered_at),
    };
  }
  // The Gateway sends `tunnel: null` for a key without a registered Core.
  if (raw.tunnel === null || raw.core === null)
    return { registered: false, answering: null, registeredAt: null };
  const registered = bool(raw.core_registered) ?? bool(raw.tunnel_registered);
  return { registered, answering: bool(raw.core_answering), registeredAt: str(raw.tunnel_registered_at) };
}

export function toKeyRow(raw: Raw, now: number): KeyRow {
  const usage = obj(raw.usage) ?? raw;
  return {
    keyId: str(raw.key_id) ?? "?",
    label: str(raw.label),
    status: statusOf(raw, now),
    createdAt: str(raw.created_at),
    expiresAt: str(raw.expires_at),
    lastUsed: str(usage.last_used),
    totalRequests: num(usage.total_requests),
    rateLimit: num(raw.rate_limit) ?? num(raw.requests_per_minute),
    isAdmin: raw.is_admin === true || raw.key_id === "admin",
    core: coreOf(raw),
  };
}

/** `GET /api-keys` may answer a list or `{keys: [...]}`. */
export function toKeyRows(answer: unknown, now: number): KeyRow[] {
  const list = Array.isArray(answer) ? answer : (obj(answer)?.keys ?? []);
  return (Array.isArray(list) ? list : [])
    .map((k) => obj(k))
    .filter((k): k is Raw => k !== null)
    .map((k) => toKeyRow(k, now));
}

export function coreSummary(core: KeyRow["core"]): { text: string; kind: string } {
  if (core.registered === null) return { text: "unknown", kind: "unknown" };
  if (!core.registered) return { text: "not registered", kind: "no" };
  if (core.answering === true) return { text: "answering", kind: "yes" };
  if (core.answering === false) return { text: "not answering", kind: "no" };
  return { text: "registered", kind: "yes" };
}
