import type { KeyRecord } from "../store/types.js";
import type { KeyStatus } from "./key-service.js";

/** What the API shows about a key: never its hashes, never a tunnel token. */
export interface KeyView {
  key_id: string;
  label: string | null;
  status: KeyStatus;
  created_at: string;
  expires_at: string;
  rotated_at: string | null;
  revoked_at: string | null;
  last_used: string | null;
  total_requests: number;
  rate_limit: number;
  tunnel: { url: string; registered_at: string } | null;
}

export function toKeyView(
  record: KeyRecord,
  status: KeyStatus,
  usage: { last_used: string | null; total_requests: number } | undefined,
  tunnel: { url: string; registered_at: string } | null | undefined,
): KeyView {
  return {
    key_id: record.key_id,
    label: record.label,
    status,
    created_at: record.created_at,
    expires_at: record.expires_at,
    rotated_at: record.rotated_at,
    revoked_at: record.revoked_at,
    last_used: usage?.last_used ?? null,
    total_requests: usage?.total_requests ?? 0,
    rate_limit: record.rate_limit,
    tunnel: tunnel ?? null,
  };
}
