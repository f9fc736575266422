import { realpathSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";

/**
 * Confinement of client-supplied paths to the project root. Paths are taken literally (never
 * URL-decoded here: `%2e%2e` is a file name, not `..`), must be relative, must not contain `..`
 * or NUL, and must resolve — symlinks included — to the root or below it. "Below" is checked on
 * a path-separator boundary so `/srv/app-evil` is not inside `/srv/app`.
 */

export type PathProblem = "invalid" | "outside" | "missing";

export class PathRefusedError extends Error {
  constructor(
    readonly problem: PathProblem,
    message: string,
  ) {
    super(message);
    this.name = "PathRefusedError";
  }
}

/** Turns a requested path into a normalised "/"-separated relative path ("" is the root). */
export function normalizeRequestedPath(input: unknown): string {
  if (typeof input !== "string") throw new PathRefusedError("invalid", "Path must be a string");
  if (input.includes("\0")) throw new PathRefusedError("invalid", "Path must not contain NUL bytes");
  if (
    isAbsolute(input) ||
    /^[A-Za-z]:[\\/]/.test(input) ||
    input.startsWith("\\\\") ||
    input.startsWith("~")
  ) {
    throw new PathRefusedError(
      "invalid",
      "Absolute paths are not allowed: give a path relative to the project root",
    );
  }
  const segments = input.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw new PathRefusedError("invalid", "Path must not contain '..'");
  return segments.join("/");
}

export function isInside(rootReal: string, candidate: string): boolean {
  if (candidate === rootReal) return true;
  const prefix = rootReal.endsWith(sep) ? rootReal : rootReal + sep;
  return candidate.startsWith(prefix);
}

export interface ResolvedPath {
  /** Real absolute path (symlinks resolved). */
  realPath: string;
  /** Real path relative to the root, "/"-separated ("" is the root). */
  realRel: string;
}

/**
 * Resolves a normalised relative path against the real root. Throws PathRefusedError "outside"
 * when it (or, for a missing file, its nearest existing ancestor) resolves outside the root,
 * and "missing" when it does not exist.
 */
export function resolveInsideRoot(rootReal: string, rel: string): ResolvedPath {
  const absolute = rel === "" ? rootReal : join(rootReal, rel);
  let realPath: string;
  try {
    realPath = realpathSync.native(absolute);
  } catch {
    // Realpath the nearest existing ancestor, so a missing file under an escaping symlinked
    // directory is reported as outside, never probed further.
    let parent = dirname(absolute);
    while (parent !== rootReal && isInside(rootReal, parent)) {
      try {
        const realParent = realpathSync.native(parent);
        if (!isInside(rootReal, realParent))
          throw new PathRefusedError("outside", "Path is outside the project");
        break;
      } catch (err) {
        if (err instanceof PathRefusedError) throw err;
        parent = dirname(parent);
      }
    }
    throw new PathRefusedError("missing", "File not found");
  }
  if (!isInside(rootReal, realPath)) throw new PathRefusedError("outside", "Path is outside the project");
  return { realPath, realRel: relative(rootReal, realPath).split(sep).join("/") };
}
