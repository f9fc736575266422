import { compileGlob } from "./glob.js";
import type { Position, WireHit } from "./protocol.js";
import { filesWithMatch, type PrefilterQuery, type PrefilterScope, type Ripgrep } from "./ripgrep.js";
import type { ScanOutcome, ScanPool, ScanRequest } from "./scan-pool.js";

/**
 * rg reads the first stretch of this many files and, at the same time, the rest. A query that is
 * everywhere fills its page from the first stretch, and the run over the rest is stopped; a rare
 * one costs two rg runs, which overlap. (Starting a process costs more the more memory the Core
 * holds, its search cache included — 17 ms at 440 MB — so more, smaller stretches cost more than
 * they save.)
 */
const FIRST_STRETCH_FILES = 1024;

export interface Prefilter {
  rg: Ripgrep;
  rootReal: string;
  query: PrefilterQuery;
}

interface Stretch {
  /** The stretch is files [from, end) of the scan order. */
  end: number;
  /** Files in it that hold the text; undefined: rg could not tell, so every file is scanned. */
  found: Set<string> | undefined;
}

/**
 * A scan in two stretches of the file list: rg names the files of each that contain the text (both
 * runs start at once), the workers scan only those (reading them through their own checks, making
 * every hit) and count the rest as searched. The outcome is the one a scan of every file gives:
 * the same hits and frontier; a large file without the text no longer ends a page (`file_bytes`).
 */
export async function scanWithPrefilter(
  pool: ScanPool,
  files: readonly string[],
  links: ReadonlySet<string>,
  request: ScanRequest,
  prefilter: Prefilter,
  signal?: AbortSignal,
): Promise<ScanOutcome> {
  const inScope = scopeFilter(request);
  const candidates = new Uint8Array(new SharedArrayBuffer(files.length));
  const ahead = new AbortController();
  const stop = () => ahead.abort();
  signal?.addEventListener("abort", stop, { once: true });
  const prefiltered = ({ end, scope }: { end: number; scope: PrefilterScope }): Promise<Stretch> => {
    if (scope.dirs.length === 0 && scope.files.length === 0)
      return Promise.resolve({ end, found: new Set() });
    return filesWithMatch(
      prefilter.rg,
      prefilter.rootReal,
      prefilter.query,
      scope,
      request.deadlineAt,
      ahead.signal,
    ).then((found) => ({ end, found }));
  };

  const first = stretchOf(files, links, request.start.index, FIRST_STRETCH_FILES, inScope, request.prefix);
  const stretches = [prefiltered(first)];
  if (first.end < files.length)
    stretches.push(prefiltered(stretchOf(files, links, first.end, files.length, inScope, request.prefix)));
  // A fresh worker loads koffi on its first scan: let it do so while rg reads the first stretch.
  pool.warmUp(files);
  const hits: WireHit[] = [];
  let filesSearched = 0;
  let position: Position = request.start;
  try {
    for (const next of stretches) {
      const stretch = await next;
      for (let i = position.index; i < stretch.end; i++)
        candidates[i] = stretch.found === undefined || stretch.found.has(files[i] as string) ? 1 : 0;
      const maxHits = request.maxHits - hits.length;
      const maxFiles = request.maxFiles - filesSearched;
      if (maxHits <= 0 || maxFiles <= 0)
        return { hits, frontier: position, filesSearched, stoppedBy: maxHits <= 0 ? "limit" : "files" };
      const part = await pool.scan(
        files,
        {
          ...request,
          start: position,
          endIndex: stretch.end,
          candidates: candidates.buffer as SharedArrayBuffer,
          maxHits,
          maxFiles,
        },
        signal,
      );
      hits.push(...part.hits);
      filesSearched += part.filesSearched;
      if (part.frontier !== null) return { ...part, hits, filesSearched };
      position = { index: stretch.end, line: 1, offset: 0 };
    }
    return { hits, frontier: null, filesSearched };
  } finally {
    // The run over the rest is not needed once a page is full.
    ahead.abort();
    signal?.removeEventListener("abort", stop);
  }
}

/** The path and glob filters of the request, as the workers apply them. */
function scopeFilter(request: ScanRequest): (rel: string) => boolean {
  const prefix = request.prefix === "" ? "" : `${request.prefix}/`;
  const matchesGlob = request.glob === undefined ? undefined : compileGlob(request.glob);
  return (rel) => (prefix === "" || rel.startsWith(prefix)) && (!matchesGlob || matchesGlob(rel));
}

/**
 * Files [from, end) holding `size` files in scope (or to the end), and what rg must read to cover
 * them: their directories (each one's own files) and, by name, the listed symlinks among them.
 */
function stretchOf(
  files: readonly string[],
  links: ReadonlySet<string>,
  from: number,
  size: number,
  inScope: (rel: string) => boolean,
  prefix: string,
): { end: number; scope: PrefilterScope } {
  const dirs: string[] = [];
  const named: string[] = [];
  let lastDir: string | undefined;
  let count = 0;
  let i = from;
  for (; i < files.length && count < size; i++) {
    const rel = files[i] as string;
    // Everything under a directory is one run of the scan order, and a scan starts inside it:
    // past it, nothing is in scope.
    if (prefix !== "" && !rel.startsWith(`${prefix}/`))
      return { end: files.length, scope: { dirs, files: named } };
    if (!inScope(rel)) continue;
    count++;
    if (links.has(rel)) {
      named.push(rel);
      continue;
    }
    const slash = rel.lastIndexOf("/");
    const dir = slash < 0 ? "" : rel.slice(0, slash);
    if (dir !== lastDir) dirs.push(dir);
    lastDir = dir;
  }
  return { end: i, scope: { dirs, files: named } };
}
