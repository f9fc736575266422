import { BadRequestError } from "../../common/errors.js";

/**
 * Globs matched without regular expressions, in time proportional to pattern length × path
 * length at worst (no backtracking blow-up: `*?*?*?…Z` against a long name costs microseconds).
 *
 * Syntax: `*` (any characters but `/`), `?` (one character but `/`), `[abc]`, `[a-z]`, `[!a]` /
 * `[^a]`, `**` as a whole segment (any number of directories, none included), `{a,b}`
 * alternatives (nestable), `\` escapes the next character. Everything else is literal. Dotfiles
 * match like any name. A pattern without `/` matches file names anywhere (`*.ts`); with `/` it
 * matches the whole relative path (`src/**\/*.md`).
 */
export const MAX_GLOB_LENGTH = 256;
/** Brace alternatives multiply: `{a,b}{c,d}` is four patterns. */
export const MAX_GLOB_ALTERNATIVES = 64;

type Token =
  | { kind: "char"; char: string }
  | { kind: "any" }
  | { kind: "star" }
  | { kind: "class"; negated: boolean; items: Array<[string, string]> };

/** A pattern segment: `**` (globstar) or a sequence of tokens for one path segment. */
type Segment = "**" | Token[];

interface CompiledAlternative {
  basename: boolean;
  segments: Segment[];
}

/** Compiles a glob into a matcher of "/"-separated relative paths; a bad glob is a BadRequestError naming `glob`. */
export function compileGlob(pattern: string): (relPath: string) => boolean {
  if (pattern.length === 0) throw new BadRequestError("glob must not be empty");
  if (pattern.length > MAX_GLOB_LENGTH)
    throw new BadRequestError(`glob is too long: at most ${MAX_GLOB_LENGTH} characters`);
  if (pattern.includes("\0")) throw new BadRequestError("glob must not contain NUL bytes");
  const alternatives = expandBraces(pattern).map(compileAlternative);
  return (relPath) => {
    const parts = relPath.split("/");
    const name = parts[parts.length - 1] as string;
    return alternatives.some((alt) =>
      alt.basename ? matchSegment(alt.segments[0] as Token[], name) : matchPath(alt.segments, parts),
    );
  };
}

/** `a{b,c{d,e}}f` → `abf`, `acdf`, `acef`. */
function expandBraces(pattern: string): string[] {
  const open = findUnescaped(pattern, "{", 0);
  if (open < 0) {
    if (findUnescaped(pattern, "}", 0) >= 0) throw new BadRequestError("glob has a '}' without its '{'");
    return [pattern];
  }
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < pattern.length && close < 0; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) close = i;
    else if (c === "," && depth === 1) commas.push(i);
  }
  if (close < 0) throw new BadRequestError("glob has a '{' without its closing '}'");
  const bounds = [open, ...commas, close];
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const results: string[] = [];
  for (let k = 0; k < bounds.length - 1; k++) {
    const middle = pattern.slice((bounds[k] as number) + 1, bounds[k + 1]);
    for (const expanded of expandBraces(head + middle + tail)) {
      results.push(expanded);
      if (results.length > MAX_GLOB_ALTERNATIVES)
        throw new BadRequestError(
          `glob has too many {…} alternatives: at most ${MAX_GLOB_ALTERNATIVES} once expanded`,
        );
    }
  }
  return results;
}

function findUnescaped(text: string, char: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === char) return i;
  }
  return -1;
}

function compileAlternative(pattern: string): CompiledAlternative {
  const basename = !pattern.includes("/");
  const segments: Segment[] = pattern
    .split("/")
    .filter((s, i, all) => s !== "" || all.length === 1)
    .map((s) => (s === "**" ? "**" : tokenize(s)));
  return { basename, segments: basename && segments[0] === "**" ? [[{ kind: "star" }]] : segments };
}

function tokenize(segment: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === "\\") {
      if (i + 1 >= segment.length) throw new BadRequestError("glob ends with a lone '\\'");
      tokens.push({ kind: "char", char: segment[++i] as string });
    } else if (c === "*") {
      if (tokens[tokens.length - 1]?.kind !== "star") tokens.push({ kind: "star" });
    } else if (c === "?") tokens.push({ kind: "any" });
    else if (c === "[") {
      const { token, end } = parseClass(segment, i);
      tokens.push(token);
      i = end;
    } else tokens.push({ kind: "char", char: c });
  }
  return tokens;
}

/** Parses `[...]` starting at `start`; returns the token and the index of its `]`. */
function parseClass(segment: string, start: number): { token: Token; end: number } {
  let i = start + 1;
  const negated = segment[i] === "!" || segment[i] === "^";
  if (negated) i++;
  const items: Array<[string, string]> = [];
  let first = true;
  for (; i < segment.length; i++) {
    let c = segment[i] as string;
    if (c === "]" && !first) return { token: { kind: "class", negated, items }, end: i };
    first = false;
    if (c === "\\" && i + 1 < segment.length) c = segment[++i] as string;
    if (segment[i + 1] === "-" && i + 2 < segment.length && segment[i + 2] !== "]") {
      let to = segment[i + 2] as string;
      i += 2;
      if (to === "\\" && i + 1 < segment.length) to = segment[++i] as string;
      if (to < c) throw new BadRequestError(`glob has a reversed range [${c}-${to}]`);
      items.push([c, to]);
    } else items.push([c, c]);
  }
  throw new BadRequestError("glob has a '[' without its closing ']'");
}

function matchToken(token: Token, c: string): boolean {
  switch (token.kind) {
    case "char":
      return token.char === c;
    case "any":
      return true;
    case "class":
      return token.items.some(([lo, hi]) => c >= lo && c <= hi) !== token.negated;
    default:
      return false;
  }
}

/**
 * One segment against one name: the classic two-pointer wildcard match. Every token but `*`
 * consumes exactly one character, so remembering only the last `*` is enough: O(tokens × name).
 */
function matchSegment(tokens: Token[], name: string): boolean {
  let t = 0;
  let n = 0;
  let starT = -1;
  let starN = 0;
  while (n < name.length) {
    const token = tokens[t];
    if (token && token.kind === "star") {
      starT = t++;
      starN = n;
    } else if (token && matchToken(token, name[n] as string)) {
      t++;
      n++;
    } else if (starT >= 0) {
      t = starT + 1;
      n = ++starN;
    } else return false;
  }
  while (tokens[t]?.kind === "star") t++;
  return t === tokens.length;
}

/** Segments against path parts; `**` matches any number of parts. Memoised: O(segments × parts) states. */
function matchPath(segments: Segment[], parts: string[]): boolean {
  const failed = new Set<number>();
  const width = parts.length + 1;
  const visit = (s: number, p: number): boolean => {
    if (s === segments.length) return p === parts.length;
    const key = s * width + p;
    if (failed.has(key)) return false;
    const segment = segments[s] as Segment;
    let ok: boolean;
    if (segment === "**") {
      ok = false;
      for (let q = p; q <= parts.length && !ok; q++) ok = visit(s + 1, q);
    } else ok = p < parts.length && matchSegment(segment, parts[p] as string) && visit(s + 1, p + 1);
    if (!ok) failed.add(key);
    return ok;
  };
  return visit(0, 0);
}
