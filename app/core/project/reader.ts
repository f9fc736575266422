import { read } from "node:fs";
import { promisify } from "node:util";
import { closeConfined, openConfined, type ConfinedFile, type Confinement } from "./confined-open.js";
import type { ContentStore, FileHead } from "./content-store.js";
import type { LineIndex, LineIndexCache } from "./line-index.js";
import { normalizeRequestedPath } from "./paths.js";
import { AnswerBudget, keyCost } from "./reader-budget.js";
import { errorMessage } from "./reader-errors.js";
import { readLineRange, type LineRange, type TextEntry } from "./reader-range.js";

const readAt = promisify(read);

/** A path, or a path with a 1-based inclusive line range (either end optional). */
export type FileRequest = string | { path: string; start_line?: number; end_line?: number };

export type ErrorEntry = {
  error: string;
  binary?: true;
  size?: number;
  skipped?: true;
  total_lines?: number;
};

export type FileResult = TextEntry | ErrorEntry | { duplicate_of: string };

export interface ReaderLimits {
  maxFileBytes: number;
  maxFilesPerRequest: number;
  maxRequestBytes: number;
}

export interface ReaderDeps {
  confinement: Confinement;
  store: ContentStore;
  lines: LineIndexCache;
  limits: ReaderLimits;
}

export interface ReadOptions {
  /** Most characters of compact JSON the whole answer may take. */
  maxResponseChars: number;
}

export interface ReadAnswer {
  /** Keyed by the path as requested (a range asked twice for one path adds `#L<start>-<end>`). */
  results: Record<string, FileResult>;
  allMissing: boolean;
}

export const ALL_MISSING = "All requested files are missing";

/** The answer budget when a caller gives none (the MAX_RESPONSE_CHARS default). */
export const DEFAULT_MAX_RESPONSE_CHARS = 90_000;

/**
 * Reads files or line ranges of them. The answer fits `maxResponseChars` of JSON, each entry at
 * most `maxFileBytes` of content and all of them `maxRequestBytes`: a range that does not fit
 * ends on a whole line with `truncated` and `next_start_line`; when nothing of it fits any more
 * it is skipped with an error saying to ask for it separately. One file asked for under several
 * spellings (`a.txt`, `./a.txt`, `a.txt/`, a symlink to it) is read and counted once; the other
 * spellings answer `{"duplicate_of": <first key>}`.
 */
export async function readFiles(
  deps: ReaderDeps,
  requests: readonly FileRequest[],
  options: ReadOptions,
): Promise<ReadAnswer> {
  const planned = planKeys(requests);
  const budget = new AnswerBudget(
    options.maxResponseChars,
    planned.map((p) => p.key),
    Math.max(0, ...planned.map((p) => keyCost(p.key))),
  );
  const results: Record<string, FileResult> = Object.create(null) as Record<string, FileResult>;
  const readKeys = new Map<string, string>();
  let bytesLeft = deps.limits.maxRequestBytes;
  let anyRead = false;
  let contentGiven = false;
  for (const [i, { key, path, range }] of planned.entries()) {
    const room = budget.open(i) - keyCost(key);
    let entry: FileResult;
    let file: ConfinedFile | undefined;
    try {
      file = openConfined(deps.confinement, normalizeRequestedPath(path));
      const identity = `${file.realRel}\0${range.start ?? 1}\0${range.end ?? ""}`;
      const first = readKeys.get(identity);
      if (first !== undefined) {
        entry = { duplicate_of: first };
      } else {
        readKeys.set(identity, key);
        const caps = {
          bytes: Math.min(deps.limits.maxFileBytes, bytesLeft),
          chars: room,
          first: !contentGiven,
        };
        const outcome = await readEntry(deps, file, range, caps);
        entry = outcome.entry;
        contentGiven ||= "content" in entry;
        bytesLeft -= outcome.bytes;
      }
      anyRead = true;
    } catch (err) {
      entry = { error: errorMessage(err) };
    } finally {
      if (file) closeConfined(file);
    }
    results[key] = entry;
    budget.charge(key, entry);
  }
  return { results, allMissing: !anyRead };
}

interface EntryCaps {
  bytes: number;
  /** Characters the entry (without its key) may take. */
  chars: number;
  /** Nothing was written before: a line longer than the budget is cut rather than skipped. */
  first: boolean;
}

async function readEntry(
  deps: ReaderDeps,
  file: ConfinedFile,
  range: LineRange,
  caps: EntryCaps,
): Promise<{ entry: FileResult; bytes: number }> {
  const head = deps.store.head(file);
  if (head.binary)
    return { entry: { error: "Binary file: content not shown", binary: true, size: head.size }, bytes: 0 };
  const index = await deps.lines.get(file, head.bytes.length === head.size ? head.bytes : undefined);
  if (caps.bytes <= 0) {
    const limit = deps.limits.maxRequestBytes;
    return {
      entry: skipped(`Response size limit (${limit} bytes) reached: request this file separately`, index),
      bytes: 0,
    };
  }
  const meta = metaUpperBound(index, range);
  const outcome = await readLineRange(index, bytesOf(file, head), range, {
    bytes: caps.bytes,
    chars: caps.chars - meta,
    allowPartialLine: caps.first,
  });
  if (outcome.kind === "text") return { entry: outcome.entry, bytes: outcome.bytes };
  if (outcome.kind === "past-end") {
    const total = outcome.totalLines;
    const lines = total === 1 ? "1 line" : `${total} lines`;
    return {
      entry: {
        error: `start_line ${range.start} is past the end of the file (it has ${lines})`,
        total_lines: total,
      },
      bytes: 0,
    };
  }
  return { entry: skipped("Answer size limit reached: request this file separately", index), bytes: 0 };
}

function skipped(message: string, index: LineIndex): ErrorEntry {
  return { error: message, skipped: true, total_lines: index.totalLines };
}

/** Reads from the cached head when it holds the bytes, else from the verified descriptor. */
function bytesOf(file: ConfinedFile, head: FileHead) {
  return async (start: number, length: number): Promise<Buffer> => {
    if (start + length <= head.bytes.length) return head.bytes.subarray(start, start + length);
    const buffer = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await readAt(file.fd, buffer, got, length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buffer.subarray(0, got);
  };
}

/** The most characters an entry's fields other than `content` can take. */
function metaUpperBound(index: LineIndex, range: LineRange): number {
  const big = index.totalLines + 1;
  return JSON.stringify({
    content: "",
    total_lines: big,
    start_line: Math.max(range.start ?? 1, big),
    end_line: big,
    truncated: true,
    next_start_line: big,
    size: index.size,
    partial_line: true,
  }).length;
}

interface PlannedRead {
  key: string;
  path: string;
  range: LineRange;
}

/**
 * One entry per distinct request, keyed by its path as written. The same path asked for again
 * with another range is keyed `path#L<start>-<end>`; a request repeated exactly is answered once.
 */
function planKeys(requests: readonly FileRequest[]): PlannedRead[] {
  const planned: PlannedRead[] = [];
  const identities = new Map<string, string>();
  for (const request of requests) {
    const path = typeof request === "string" ? request : request.path;
    const range: LineRange = {};
    if (typeof request !== "string") {
      if (request.start_line !== undefined) range.start = request.start_line;
      if (request.end_line !== undefined) range.end = request.end_line;
    }
    const identity = `${range.start ?? 1}-${range.end ?? ""}`;
    let key = path;
    const taken = identities.get(key);
    if (taken === identity) continue;
    if (taken !== undefined) {
      key = `${path}#L${range.start ?? 1}-${range.end ?? ""}`;
      if (identities.has(key)) continue;
    }
    identities.set(key, identity);
    planned.push({ key, path, range });
  }
  return planned;
}
