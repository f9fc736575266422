import { statSync } from "node:fs";
import { join } from "node:path";
import { BadRequestError } from "../../common/errors.js";
import { compileListGlob } from "./list-glob.js";
import { decodeCursor, encodeCursor } from "./list-cursor.js";
import { unreadableUnder, type ListingTarget, type UnreadableReport } from "./listing-target.js";
import type { TreeSnapshot } from "./tree-node.js";

export const DEFAULT_LIST_LIMIT = 1000;
export const MAX_LIST_LIMIT = 10_000;

export interface FileListRequest {
  glob?: string;
  cursor?: string;
  limit?: number;
  /** Most characters of compact JSON in the answer. */
  maxChars: number;
}

export interface ListedFile {
  path: string;
  /** Bytes; null when the file vanished or cannot be stat'ed since it was listed. */
  size: number | null;
}

export interface FileListPage {
  files: ListedFile[];
  /** Pass it back as `cursor` for the next page; null when this page ends the listing. */
  next_cursor: string | null;
  /** Directories under `path` that could not be read: their files are not in any page. */
  unreadable?: UnreadableReport;
  /** Paths too long to fit in an answer at all: counted, never returned. */
  skipped_too_long?: number;
}

/**
 * One page of every visible file under the target, in code-unit order of the path. A page ends
 * at `limit` files or when the next one would take the answer past `maxChars`; `next_cursor`
 * then names the last path returned, and the following page starts right after it.
 */
export function listFilesPage(
  rootReal: string,
  snapshot: TreeSnapshot,
  target: ListingTarget,
  request: FileListRequest,
): FileListPage {
  const limit = request.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw new BadRequestError(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
  const matches = request.glob === undefined ? () => true : compileListGlob(request.glob);
  const { prefix, realRel } = target;
  // Paths come out as the client named the directory (through a symlinked directory, its link).
  const shown = (real: string) => (realRel === prefix ? real : `${prefix}${real.slice(realRel.length)}`);

  const sorted = snapshot.sortedFiles();
  // Everything under "dir/" sorts between "dir/" and "dir0" ("0" follows "/").
  let index = realRel === "" ? 0 : lowerBound(sorted, `${realRel}/`);
  const end = realRel === "" ? sorted.length : lowerBound(sorted, `${realRel}0`);
  if (request.cursor !== undefined) {
    const after = decodeCursor(request.cursor);
    if (prefix !== "" && !after.startsWith(`${prefix}/`))
      throw new BadRequestError("cursor does not belong to this path: keep path the same while paging");
    index = Math.max(
      index,
      upperBound(sorted, realRel === prefix ? after : `${realRel}${after.slice(prefix.length)}`),
    );
  }

  const page: FileListPage = { files: [], next_cursor: null };
  const unreadable = unreadableUnder(snapshot, target);
  if (unreadable) page.unreadable = unreadable;
  // Long unreadable paths must not crowd out the files: then only their count is given.
  if (unreadable && JSON.stringify(page).length > request.maxChars / 2)
    page.unreadable = { count: unreadable.count, directories: [] };
  let chars = JSON.stringify(page).length;
  let skipped = 0;
  for (; index < end; index++) {
    const real = sorted[index]!;
    const path = shown(real);
    if (!matches(path)) continue;
    if (page.files.length === limit) {
      page.next_cursor = encodeCursor(page.files.at(-1)!.path);
      break;
    }
    const file = { path, size: sizeOf(join(rootReal, real)) };
    const cost = JSON.stringify(file).length + (page.files.length > 0 ? 1 : 0);
    // Room for this file, for a cursor naming it and for the skipped count, so the page always
    // fits and can always say where to go on.
    const reserve = encodeCursor(path).length + 2 - "null".length + skippedChars(end);
    if (chars + cost + reserve > request.maxChars) {
      if (page.files.length > 0) {
        page.next_cursor = encodeCursor(page.files.at(-1)!.path);
        break;
      }
      skipped++; // alone it cannot fit any answer: counted and passed over
      continue;
    }
    page.files.push(file);
    chars += cost;
  }
  if (skipped > 0) page.skipped_too_long = skipped;
  return page;
}

const skippedChars = (count: number) => `,"skipped_too_long":${count}`.length;

function sizeOf(abs: string): number | null {
  try {
    return statSync(abs).size;
  } catch {
    return null;
  }
}

/** First index whose path is >= value. */
function lowerBound(sorted: string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** First index whose path is > value. */
function upperBound(sorted: string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}
