import { BadRequestError } from "../../common/errors.js";
import { normalizeRequestedPath, PathRefusedError } from "../project/paths.js";
import { caseFoldPattern, escapeRegExp } from "./case-fold.js";
import { decodeCursor, searchFingerprint, type CursorPosition } from "./cursor.js";
import { compileGlob } from "./glob.js";
import { compileLinearRegExp } from "./linear-regexp.js";
import type { MatcherSpec, SearchMode } from "./protocol.js";

export const SEARCH_MODES = ["lines", "files", "count"] as const;
export const MAX_CONTEXT_LINES = 10;

/** A search as callers give it (HTTP query, MCP arguments, tests). */
export interface SearchRequest {
  query: string;
  regex?: boolean;
  ignoreCase?: boolean;
  /** Lines before and after each hit (0–10), `lines` mode only. */
  context?: number;
  mode?: SearchMode;
  path?: string;
  glob?: string;
  limit?: number;
  cursor?: string;
}

export interface RequestLimits {
  maxResults: number;
  maxQueryLength: number;
}

/** A checked search, ready to scan. */
export interface ParsedSearch {
  query: string;
  /** The query as text to find, when it is not a regular expression. */
  literal: { text: string; ignoreCase: boolean } | undefined;
  matcher: MatcherSpec;
  mode: SearchMode;
  context: number;
  prefix: string;
  glob: string | undefined;
  limit: number;
  fingerprint: string;
  cursor: CursorPosition | undefined;
}

/** Checks every field and names the bad one in a BadRequestError. */
export function parseSearchRequest(request: SearchRequest, limits: RequestLimits): ParsedSearch {
  const { query } = request;
  if (typeof query !== "string" || query.length === 0)
    throw new BadRequestError("q is required: the text (or, with regex=true, the pattern) to search for");
  if (query.length > limits.maxQueryLength)
    throw new BadRequestError(`q is too long: at most ${limits.maxQueryLength} characters`);
  if (query.includes("\n") || query.includes("\r")) throw new BadRequestError("q must be a single line");
  const limit = request.limit ?? Math.min(50, limits.maxResults);
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.maxResults)
    throw new BadRequestError(`limit must be a whole number from 1 to ${limits.maxResults}`);
  const context = request.context ?? 0;
  if (!Number.isInteger(context) || context < 0 || context > MAX_CONTEXT_LINES)
    throw new BadRequestError(`context must be a whole number from 0 to ${MAX_CONTEXT_LINES}`);
  const mode = request.mode ?? "lines";
  if (!SEARCH_MODES.includes(mode))
    throw new BadRequestError(`mode must be one of ${SEARCH_MODES.join(", ")}`);
  const prefix = parsePrefix(request.path);
  if (request.glob !== undefined) compileGlob(request.glob);
  const regex = request.regex ?? false;
  const ignoreCase = request.ignoreCase ?? false;
  const matcher = matcherFor(query, regex, ignoreCase);
  const fingerprint = searchFingerprint({
    query,
    regex,
    ignoreCase,
    mode,
    prefix,
    glob: request.glob ?? null,
  });
  return {
    query,
    literal: regex ? undefined : { text: query, ignoreCase },
    matcher,
    mode,
    context: mode === "lines" ? context : 0,
    prefix,
    glob: request.glob,
    limit,
    fingerprint,
    cursor: request.cursor === undefined ? undefined : decodeCursor(request.cursor, fingerprint),
  };
}

function matcherFor(query: string, regex: boolean, ignoreCase: boolean): MatcherSpec {
  if (!regex && !ignoreCase) return { kind: "literal", text: query };
  const base = regex ? query : escapeRegExp(query);
  if (regex) compileLinearRegExp(base, "q");
  const source = ignoreCase ? caseFoldPattern(base) : base;
  compileLinearRegExp(source, "q");
  return { kind: "pattern", source };
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
