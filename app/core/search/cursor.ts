import { createHash } from "node:crypto";
import { BadRequestError } from "../../common/errors.js";

/**
 * The opaque `cursor` / `next_cursor`: where the next page resumes — a file, a line and the byte
 * offset of that line — plus a fingerprint of the search it belongs to, so a cursor is never
 * silently applied to another search.
 */
export interface CursorPosition {
  path: string;
  line: number;
  offset: number;
}

interface CursorBody {
  v: 1;
  k: string;
  f: string;
  l: number;
  o: number;
}

/** The parts of a search that must not change between pages. */
export function searchFingerprint(parts: Record<string, unknown>): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 12);
}

export function encodeCursor(fingerprint: string, position: CursorPosition): string {
  const body: CursorBody = { v: 1, k: fingerprint, f: position.path, l: position.line, o: position.offset };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

export function decodeCursor(cursor: string, fingerprint: string): CursorPosition {
  let body: Partial<CursorBody>;
  try {
    if (!/^[A-Za-z0-9_-]{1,8192}$/.test(cursor)) throw new Error("not base64url");
    body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Partial<CursorBody>;
  } catch {
    body = {};
  }
  const valid =
    body !== null &&
    typeof body === "object" &&
    body.v === 1 &&
    typeof body.k === "string" &&
    typeof body.f === "string" &&
    Number.isSafeInteger(body.l) &&
    (body.l as number) >= 1 &&
    Number.isSafeInteger(body.o) &&
    (body.o as number) >= 0;
  if (!valid)
    throw new BadRequestError("cursor is not valid: pass the next_cursor of a previous answer unchanged");
  if (body.k !== fingerprint)
    throw new BadRequestError(
      "cursor belongs to a different search: keep q, regex, ignore_case, mode, path and glob as they were",
    );
  return { path: body.f as string, line: body.l as number, offset: body.o as number };
}
