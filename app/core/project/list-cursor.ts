import { BadRequestError } from "../../common/errors.js";

/**
 * A `list_files` cursor: the last path a page returned, opaque to clients (base64url of a small
 * JSON object, versioned). The next page starts with the first path after it, so resumption is
 * exact whatever changed in between: files sorting after it that still exist all come, once.
 */
export function encodeCursor(after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after }), "utf8").toString("base64url");
}

const BAD_CURSOR = "cursor is not valid: pass next_cursor from the previous page unchanged";

/** The path a cursor resumes after; a 400 for anything this Core did not issue. */
export function decodeCursor(cursor: string): string {
  const bytes = Buffer.from(cursor, "base64url");
  // base64url decoding skips what it does not understand: only the canonical spelling is ours.
  if (cursor.length === 0 || bytes.toString("base64url") !== cursor) throw new BadRequestError(BAD_CURSOR);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new BadRequestError(BAD_CURSOR);
  }
  if (typeof value !== "object" || value === null) throw new BadRequestError(BAD_CURSOR);
  const { v, after } = value as { v?: unknown; after?: unknown };
  if (v !== 1 || typeof after !== "string" || after === "") throw new BadRequestError(BAD_CURSOR);
  return after;
}
