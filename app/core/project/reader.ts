import { BadRequestError } from "../../common/errors.js";
import { decodeUtf8Prefix, NotAFileError, type ContentStore } from "./content-store.js";
import type { IgnoreRules } from "./ignore-rules.js";
import { normalizeRequestedPath, PathRefusedError, resolveInsideRoot } from "./paths.js";

export type FileResult =
  | { content: string; truncated?: true; size?: number }
  | { error: string; binary?: true; size?: number; skipped?: true };

export interface ReaderLimits {
  maxFileBytes: number;
  maxFilesPerRequest: number;
  maxRequestBytes: number;
}

export interface ReaderDeps {
  rootReal: string;
  rules: IgnoreRules;
  store: ContentStore;
  limits: ReaderLimits;
}

export const ALL_MISSING = "All requested files are missing";

/** Validates a `file_paths` value: a non-empty list of strings, at most `maxFiles` long. */
export function parseFilePaths(value: unknown, maxFiles: number): string[] {
  if (value === undefined || value === null)
    throw new BadRequestError("file_paths is required: a list of file paths");
  if (!Array.isArray(value)) throw new BadRequestError("file_paths must be a list of file paths");
  if (value.length === 0) throw new BadRequestError("file_paths must not be empty");
  if (!value.every((p) => typeof p === "string"))
    throw new BadRequestError("file_paths must contain only strings");
  if (value.length > maxFiles) {
    throw new BadRequestError(
      `Too many files: at most ${maxFiles} per request (got ${value.length}); split the request`,
    );
  }
  return value as string[];
}

/**
 * Reads several files. Each file gets at most `maxFileBytes`, and the whole answer at most
 * `maxRequestBytes`: files past that budget are truncated, then skipped with an error saying to
 * ask for them separately. `allMissing` is true when no file could be read at all.
 */
export function readFiles(
  deps: ReaderDeps,
  paths: string[],
): { results: Record<string, FileResult>; allMissing: boolean } {
  const results: Record<string, FileResult> = {};
  let remaining = deps.limits.maxRequestBytes;
  let anyRead = false;
  for (const requested of paths) {
    if (Object.hasOwn(results, requested)) continue;
    const result = readOne(deps, requested, Math.min(deps.limits.maxFileBytes, remaining));
    if ("content" in result) {
      anyRead = true;
      remaining -= Buffer.byteLength(result.content);
    } else if (result.binary) {
      anyRead = true;
    }
    results[requested] = result;
  }
  return { results, allMissing: !anyRead };
}

export function readOne(deps: ReaderDeps, requested: string, allowance: number): FileResult {
  try {
    const rel = normalizeRequestedPath(requested);
    if (rel === "") return { error: "Path is a directory" };
    if (deps.rules.isHidden(rel, false)) return { error: "File not found" };
    const { realPath, realRel } = resolveInsideRoot(deps.rootReal, rel);
    if (realRel === "" || (realRel !== rel && deps.rules.isHidden(realRel, false)))
      return { error: "File not found" };
    if (allowance <= 0) {
      return {
        error: `Response size limit (${deps.limits.maxRequestBytes} bytes) reached: request this file separately`,
        skipped: true,
      };
    }
    const head = deps.store.read(realPath);
    if (head.binary) return { error: "Binary file: content not shown", binary: true, size: head.size };
    const bytes = head.bytes.length > allowance ? head.bytes.subarray(0, allowance) : head.bytes;
    const truncated = bytes.length < head.size;
    const content = decodeUtf8Prefix(bytes, truncated);
    return truncated ? { content, truncated: true, size: head.size } : { content };
  } catch (err) {
    if (err instanceof PathRefusedError) return { error: err.message };
    if (err instanceof NotAFileError) return { error: "Path is a directory or not a regular file" };
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EISDIR") return { error: "Path is a directory or not a regular file" };
    if (code === "ENOENT") return { error: "File not found" };
    return { error: "File could not be read" };
  }
}
