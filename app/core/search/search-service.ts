import { availableParallelism } from "node:os";
import type { TreeSnapshot } from "../project/tree-node.js";
import { encodeCursor } from "./cursor.js";
import { inScanOrder, lowerBound } from "./file-order.js";
import type { FileOpening } from "./no-follow-opener.js";
import { scanWithPrefilter, type Prefilter } from "./prefiltered-scan.js";
import { findRipgrep, type RipgrepLookup, type RipgrepSetting } from "./ripgrep.js";
import type { Position, SearchMode, StopReason } from "./protocol.js";
import { entryOf, fitEntries, type SearchEntry } from "./result-budget.js";
import { ScanPool, type ScanRequest } from "./scan-pool.js";
import {
  parseSearchRequest,
  type ParsedSearch,
  type RequestLimits,
  type SearchRequest,
} from "./search-request.js";

export interface SearchSettings extends RequestLimits {
  /** Most files scanned in one page. */
  maxFiles: number;
  /** Most bytes of one file scanned in one page; the cursor reaches the rest. */
  maxFileBytes: number;
  deadlineMs: number;
  maxResponseChars: number;
  workers: number;
  cacheMaxBytes: number;
  /**
   * Open files with `openat` and O_NOFOLLOW through koffi where it loads (Linux x64/arm64), else
   * through node:fs with a check of each descriptor: same answers, the first about twice as fast.
   */
  noFollowOpen: boolean;
  /**
   * ripgrep as a prefilter for text (not regex) searches while the workers' caches are not full:
   * `auto` (rg from PATH when there), `off`, or the path of the binary (ripgrep.ts).
   */
  ripgrep: RipgrepSetting;
}

/** How this Core's searches run, for its start-up log. */
export interface SearchEngines {
  fileOpening: FileOpening;
  /** `rg <version>` when text searches use ripgrep as a prefilter, else `none (why)`. */
  prefilter: string;
}

export const DEFAULT_SEARCH_SETTINGS = {
  maxFileBytes: 64 * 1024 * 1024,
  deadlineMs: 20_000,
  maxResponseChars: 90_000,
  workers: Math.min(4, availableParallelism()),
  cacheMaxBytes: 256 * 1024 * 1024,
  noFollowOpen: true,
  ripgrep: "auto",
} as const;

export interface SearchAnswer {
  query: string;
  mode: SearchMode;
  /** `lines`: matching lines; `files`: files with a match; `count`: matching lines per file. */
  results: SearchEntry[];
  /** True when the scan did not reach the end: continue with `next_cursor`. */
  truncated: boolean;
  next_cursor: string | null;
  /** Why this page ended early (only when truncated). */
  stopped_by?: StopReason;
  files_searched: number;
}

export interface SearchDeps {
  rootReal: string;
  ignoreFileNames: readonly string[];
  snapshot: () => Promise<TreeSnapshot>;
  settings: SearchSettings;
}

/**
 * Search over the visible files of the project (the tree's listing: ignore rules and deny list
 * applied), scanned by worker threads in a stable order. Every page is either complete or says
 * where it stopped, why, and gives the cursor that resumes exactly there.
 */
export class SearchService {
  private readonly ordered = new WeakMap<TreeSnapshot, readonly string[]>();
  private pool: ScanPool | undefined;
  private ripgrep: Promise<RipgrepLookup> | undefined;

  constructor(private readonly deps: SearchDeps) {}

  async search(request: SearchRequest, signal?: AbortSignal): Promise<SearchAnswer> {
    const { settings } = this.deps;
    // Workers stop at the soft deadline; one that cannot (a long line under a slow pattern) is
    // terminated at the hard one, so the answer always comes within `deadlineMs`.
    const deadlineAt = Date.now() + settings.deadlineMs - graceMs(settings.deadlineMs);
    const search = parseSearchRequest(request, settings);
    const snapshot = await this.deps.snapshot();
    const files = this.filesOf(snapshot);
    const pool = this.poolOf();
    const scan: ScanRequest = {
      matcher: search.matcher,
      mode: search.mode,
      context: search.context,
      prefix: search.prefix,
      glob: search.glob,
      start: startOf(files, search),
      maxHits: search.limit + 1,
      maxFiles: settings.maxFiles,
      maxFileBytes: settings.maxFileBytes,
      deadlineAt,
    };
    const prefilter = pool.isWarm() ? undefined : await this.prefilterFor(search);
    const outcome = prefilter
      ? await scanWithPrefilter(pool, files, snapshot.links(), scan, prefilter, signal)
      : await pool.scan(files, scan, signal);
    // Every later search reads from memory once the workers have read their files (while idle).
    pool.fill(files, settings.maxFileBytes);
    const hits = outcome.hits.slice(0, search.limit);
    const cutAt = (kept: number): Position | null =>
      kept < outcome.hits.length ? (outcome.hits[kept] as Position) : outcome.frontier;
    const cursorOf = (position: Position | null) =>
      position && position.index < files.length
        ? encodeCursor(search.fingerprint, {
            path: files[position.index] as string,
            line: position.line,
            offset: position.offset,
          })
        : null;
    const answerWith = (results: SearchEntry[], kept: number): SearchAnswer => {
      const next = cursorOf(cutAt(kept));
      const stoppedBy: StopReason | undefined =
        next === null
          ? undefined
          : kept < hits.length
            ? "response_size"
            : kept < outcome.hits.length
              ? "limit"
              : (outcome.stoppedBy ?? "limit");
      return {
        query: search.query,
        mode: search.mode,
        results,
        truncated: next !== null,
        next_cursor: next,
        ...(stoppedBy ? { stopped_by: stoppedBy } : {}),
        files_searched: outcome.filesSearched,
      };
    };
    const entries = hits.map((hit) => entryOf(hit, files[hit.index] as string, search.mode));
    const kept = fitEntries(
      entries,
      settings.maxResponseChars,
      (k) => JSON.stringify(answerWith([], k)).length,
    );
    return answerWith(kept, kept.length);
  }

  /**
   * Starts the scan workers with the current file list (the Core calls it at start-up) and looks
   * for ripgrep; resolves when both are ready, with how searches will run.
   */
  async prepare(): Promise<SearchEngines | undefined> {
    const [fileOpening, ripgrep] = await Promise.all([
      this.poolOf().prepare(this.filesOf(await this.deps.snapshot())),
      this.ripgrepOf(),
    ]);
    if (fileOpening === undefined) return undefined;
    return { fileOpening, prefilter: ripgrep.described };
  }

  /** Resolves once the workers are done filling their caches (benchmarks measure warm searches after it). */
  settled(): Promise<void> {
    return this.pool?.settled() ?? Promise.resolve();
  }

  close(): void {
    this.pool?.close();
    this.pool = undefined;
  }

  private filesOf(snapshot: TreeSnapshot): readonly string[] {
    let files = this.ordered.get(snapshot);
    if (!files) {
      files = inScanOrder(snapshot.files());
      this.ordered.set(snapshot, files);
    }
    return files;
  }

  /**
   * ripgrep for a text search, when there is one: its folding of case is Unicode's, a superset of
   * ours only for ASCII text, so a case-insensitive search of other text goes without it.
   */
  private async prefilterFor(search: ParsedSearch): Promise<Prefilter | undefined> {
    const literal = search.literal;
    if (!literal || (literal.ignoreCase && !/^[\x20-\x7e]*$/.test(literal.text))) return undefined;
    const { rg } = await this.ripgrepOf();
    return rg ? { rg, rootReal: this.deps.rootReal, query: literal } : undefined;
  }

  /** Looked for once; a binary that is not ripgrep counts as none (and `prepare` reports it). */
  private ripgrepOf(): Promise<RipgrepLookup> {
    this.ripgrep ??= findRipgrep(this.deps.settings.ripgrep);
    return this.ripgrep;
  }

  private poolOf(): ScanPool {
    this.pool ??= new ScanPool({
      rootReal: this.deps.rootReal,
      ignoreFileNames: this.deps.ignoreFileNames,
      workers: this.deps.settings.workers,
      cacheMaxBytes: this.deps.settings.cacheMaxBytes,
      noFollowOpen: this.deps.settings.noFollowOpen,
      hardStopGraceMs: graceMs(this.deps.settings.deadlineMs),
    });
    return this.pool;
  }
}

const graceMs = (deadlineMs: number) => Math.min(1000, Math.floor(deadlineMs / 4));

/** Where this page starts: the cursor's place, or the first file under `path`. */
function startOf(files: readonly string[], search: ParsedSearch): Position {
  const first = search.prefix === "" ? 0 : lowerBound(files, `${search.prefix}/`);
  if (!search.cursor) return { index: first, line: 1, offset: 0 };
  const index = lowerBound(files, search.cursor.path);
  if (index < first) return { index: first, line: 1, offset: 0 };
  return files[index] === search.cursor.path
    ? { index, line: search.cursor.line, offset: search.cursor.offset }
    : { index, line: 1, offset: 0 };
}
