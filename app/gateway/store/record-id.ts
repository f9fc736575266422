import { InvalidRecordIdError } from "./errors.js";
import { RECORD_KINDS, type RecordKind } from "./types.js";

/** Record ids become file names and S3 key segments, so only a plain, safe alphabet passes. */
const RECORD_ID = /^[a-z0-9_-]{1,128}$/;

export function assertRecordId(id: string): void {
  if (typeof id !== "string" || !RECORD_ID.test(id)) throw new InvalidRecordIdError("id");
}

export function assertRecordKind(kind: string): asserts kind is RecordKind {
  if (!(RECORD_KINDS as readonly string[]).includes(kind)) throw new InvalidRecordIdError("kind");
}

export function assertKindAndId(kind: string, id: string): void {
  assertRecordKind(kind);
  assertRecordId(id);
}

/** `<id>.json` → id, or undefined for anything else (temp files, lock files, strays). */
export function recordIdFromFileName(name: string): string | undefined {
  if (!name.endsWith(".json")) return undefined;
  const id = name.slice(0, -".json".length);
  return RECORD_ID.test(id) ? id : undefined;
}
