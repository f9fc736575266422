import picomatch from "picomatch";
import { BadRequestError } from "../../common/errors.js";
import type { ContentStore } from "./content-store.js";
import type { IgnoreRules } from "./ignore-rules.js";
import { normalizeRequestedPath, PathRefusedError, resolveInsideRoot } from "./paths.js";
import type { ProjectTree } from "./tree.js";

export interface SearchLimits {
  maxResults: number;
  maxFiles: number;
  maxQueryLength: number;
}

export interface SearchRequest {
  query: string;
  path?: string;
  glob?: string;
  limit?: number;
  ignoreCase?: boolean;
}

export interface SearchMatch {
  path: string;
  line: number;
  text: string;
}

export interface SearchResult {
  query: string;
  results: SearchMatch[];
  /** True when more matches (or files) existed than were searched or returned. */
  truncated: boolean;
  files_searched: number;
}

export interface SearchDeps {
  rootReal: string;
  rules: IgnoreRules;
  store: ContentStore;
  tree: ProjectTree;
  limits: SearchLimits;
}

const MAX_LINE_CHARS = 300;

/** Literal text search over the visible files (same confinement and ignore rules as reading). */
export async function searchProject(deps: SearchDeps, request: SearchRequest): Promise<SearchResult> {
  const { query } = request;
  if (query.length === 0) throw new BadRequestError("q is required: the text to search for");
  if (query.length > deps.limits.maxQueryLength) {
    throw new BadRequestError(`q is too long: at most ${deps.limits.maxQueryLength} characters`);
  }
  if (query.includes("\n")) throw new BadRequestError("q must be a single line");
  const limit = request.limit ?? Math.min(50, deps.limits.maxResults);
  if (!Number.isInteger(limit) || limit < 1 || limit > deps.limits.maxResults) {
    throw new BadRequestError(`limit must be a whole number from 1 to ${deps.limits.maxResults}`);
  }
  const prefix = parsePrefix(request.path);
  const matchesGlob = request.glob ? compileGlob(request.glob) : () => true;

  const needle = request.ignoreCase ? query.toLowerCase() : query;
  const files = (await deps.tree.current()).files();
  const results: SearchMatch[] = [];
  let searched = 0;
  let truncated = false;
  for (const rel of files) {
    if (prefix !== "" && rel !== prefix && !rel.startsWith(`${prefix}/`)) continue;
    if (!matchesGlob(rel)) continue;
    if (searched >= deps.limits.maxFiles) {
      truncated = true;
      break;
    }
    searched++;
    const text = readText(deps, rel);
    if (text === undefined) continue;
    if (!(request.ignoreCase ? text.toLowerCase() : text).includes(needle)) continue;
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (!(request.ignoreCase ? line.toLowerCase() : line).includes(needle)) continue;
      if (results.length >= limit) {
        truncated = true;
        break;
      }
      results.push({
        path: rel,
        line: i + 1,
        text: line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line,
      });
    }
    if (truncated) break;
  }
  return { query, results, truncated, files_searched: searched };
}

function parsePrefix(path: string | undefined): string {
  if (path === undefined) return "";
  try {
    return normalizeRequestedPath(path);
  } catch (err) {
    if (err instanceof PathRefusedError) throw new BadRequestError(`path: ${err.message}`);
    throw err;
  }
}

function compileGlob(glob: string): (path: string) => boolean {
  if (glob.length > 256) throw new BadRequestError("glob is too long: at most 256 characters");
  try {
    // A glob without "/" matches file names anywhere, like `*.ts`.
    return picomatch(glob, { dot: true, basename: !glob.includes("/") });
  } catch {
    throw new BadRequestError("glob is not a valid pattern");
  }
}

/** Files come from the visible tree; the real path is re-resolved so a swapped symlink cannot escape. */
function readText(deps: SearchDeps, rel: string): string | undefined {
  try {
    const { realPath, realRel } = resolveInsideRoot(deps.rootReal, rel);
    if (realRel !== rel && deps.rules.isHidden(realRel, false)) return undefined;
    const head = deps.store.read(realPath);
    return head.binary ? undefined : head.bytes.toString("utf8");
  } catch {
    return undefined;
  }
}
