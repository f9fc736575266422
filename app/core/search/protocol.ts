/** Messages between the search service (main thread) and its scan workers. */

/** A place in the scan order: file `index` of the snapshot's list, at `line` (1-based), starting at byte `offset`. */
export interface Position {
  index: number;
  line: number;
  offset: number;
}

export type SearchMode = "lines" | "files" | "count";

/** Why a scan stopped before the end of its files. */
export type StopReason = "limit" | "deadline" | "file_bytes" | "files" | "response_size";

export type MatcherSpec =
  /** Case-sensitive literal text: matched on raw bytes. */
  | { kind: "literal"; text: string }
  /** A regular expression source, already checked to run in linear time (case folded if needed). */
  | { kind: "pattern"; source: string };

export interface FilesMessage {
  type: "files";
  snapshotId: number;
  /** This worker's share of the files: global indexes (ascending) and their paths. */
  indexes: Int32Array;
  paths: string[];
}

export interface ScanJob {
  type: "scan";
  jobId: number;
  snapshotId: number;
  matcher: MatcherSpec;
  mode: SearchMode;
  context: number;
  /** Directory prefix ("" for all) and glob, applied by the worker. */
  prefix: string;
  glob: string | undefined;
  start: Position;
  /** Stop after this many hits (the page's limit plus one, to know whether more exist). */
  maxHits: number;
  maxFiles: number;
  /** Most bytes of one file scanned in one page; the rest is reached through the cursor. */
  maxFileBytes: number;
  /** Epoch milliseconds. */
  deadlineAt: number;
  /** Int32 flag: non-zero asks the worker to stop at the next file or batch of lines. */
  stop: SharedArrayBuffer;
  /** Files from this index on are not this job's: the scan ends there (as if at the end). */
  endIndex?: number;
  /**
   * One byte per file of the snapshot (by index): 0 = known to hold no match (the prefilter read
   * all of it), so the worker counts it as searched without reading it.
   */
  candidates?: SharedArrayBuffer;
}

/** Reads this worker's files into its cache while it has nothing else to do, until the cache is full. */
export interface FillRequest {
  type: "fill";
  snapshotId: number;
  /** Files larger than this are scanned in windows, never cached: the fill passes them by. */
  maxFileBytes: number;
}

/** Loads what the first scan needs (koffi) now, while the caller waits on something else. */
export interface WarmUpRequest {
  type: "warm-up";
}

export type WorkerRequest = FilesMessage | ScanJob | FillRequest | WarmUpRequest;

export interface WireHit {
  index: number;
  line: number;
  /** Byte offset of `line`: where a cursor resumes to find this hit again. */
  offset: number;
  text?: string;
  before?: string[];
  after?: string[];
  count?: number;
}

export interface ScanReport {
  type: "report";
  jobId: number;
  hits: WireHit[];
  /** Everything of this worker's files before this position is scanned; null: all of them. */
  frontier: Position | null;
  filesSearched: number;
  done: boolean;
  stoppedBy?: StopReason;
}

/** Sent once by a worker when it is ready to take jobs. */
export interface ReadyMessage {
  type: "ready";
}

/**
 * Sent when a fill ends: `complete` (every file of the share that can be cached is), `full` (the
 * budget ran out first), or `interrupted` (the share changed meanwhile: a new fill will come).
 */
export interface FilledMessage {
  type: "filled";
  snapshotId: number;
  outcome: "complete" | "full" | "interrupted";
}

export type WorkerMessage = ScanReport | ReadyMessage | FilledMessage;

export function comparePositions(a: Position, b: Position): number {
  return a.index - b.index || a.line - b.line;
}
