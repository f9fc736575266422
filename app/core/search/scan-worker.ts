import { parentPort, workerData } from "node:worker_threads";
import { IgnoreRules } from "../project/ignore-rules.js";
import { FileLoader } from "./file-loader.js";
import { compileGlob } from "./glob.js";
import { createLineFinder, ScanInterrupted } from "./line-finder.js";
import { enableLinearRegExp } from "./linear-regexp.js";
import { NoFollowOpener } from "./no-follow-opener.js";
import type {
  FilledMessage,
  FilesMessage,
  FillRequest,
  Position,
  ReadyMessage,
  ScanJob,
  ScanReport,
  WireHit,
  WorkerRequest,
} from "./protocol.js";
import { scanRegion } from "./scan-region.js";

/** A scan worker: holds its share of the file list and a cache of their bytes; scans one job at a time. */
export interface ScanWorkerData {
  rootReal: string;
  ignoreFileNames: readonly string[];
  cacheMaxBytes: number;
  /** Where koffi is (`locateKoffi`), for the no-follow opener; undefined: node:fs only. */
  koffiPath: string | undefined;
  /** One Int32 this worker sets while it loads koffi, so the pool does not terminate it then. */
  loadingNative: SharedArrayBuffer;
}

/** Report progress at least this often, so the main thread can stop early and meet deadlines. */
const REPORT_EVERY_MS = 25;
const REPORT_EVERY_HITS = 256;
/** A fill reads files for this long, then lets waiting messages (a scan) in before it goes on. */
const FILL_SLICE_MS = 10;

const data = workerData as ScanWorkerData;
enableLinearRegExp();
const loadingNative = new Int32Array(data.loadingNative);
const rules = new IgnoreRules(data.rootReal, data.ignoreFileNames);
const loader = new FileLoader({
  rootReal: data.rootReal,
  isHiddenReal: (realRel) => rules.isHidden(realRel, false),
  cacheMaxBytes: data.cacheMaxBytes,
});
let share: FilesMessage | undefined;
let filling: { request: FillRequest; next: number; opener: NoFollowOpener | undefined } | undefined;

parentPort?.on("message", (message: WorkerRequest) => {
  if (message.type === "files") {
    share = message;
    loader.retainOnly(message.paths);
  } else if (message.type === "fill") {
    startFill(message);
  } else if (message.type === "warm-up") {
    openerForScan()?.close();
  } else {
    // Opened per scan, so a root that was replaced since the last one is the one searched.
    const opener = openerForScan();
    try {
      parentPort?.postMessage(runScan(message, opener));
    } finally {
      opener?.close();
    }
  }
});
parentPort?.postMessage({ type: "ready" } satisfies ReadyMessage);

/**
 * The first call loads koffi (only workers that search do: a Core that never searches never loads
 * it), flagged so the pool waits for the load to finish before it would terminate this worker.
 */
function openerForScan(): NoFollowOpener | undefined {
  if (data.koffiPath === undefined) return undefined;
  Atomics.store(loadingNative, 0, 1);
  try {
    return NoFollowOpener.create(data.rootReal, data.koffiPath);
  } finally {
    Atomics.store(loadingNative, 0, 0);
  }
}

/**
 * Fills the cache with this worker's share, in slices between which a scan that arrives runs
 * first; ends when every file is read, the cache is full, or the share changed.
 */
function startFill(request: FillRequest) {
  if (filling) {
    // A fill of an older list is under way: it goes on with this one, from the start.
    filling.request = request;
    filling.next = 0;
    return;
  }
  if (!share || share.snapshotId !== request.snapshotId) return endFill(request, "interrupted");
  filling = { request, next: 0, opener: openerForScan() };
  fillSlice();
}

function fillSlice() {
  const fill = filling!;
  if (!share || share.snapshotId !== fill.request.snapshotId) return endFill(fill.request, "interrupted");
  const { paths } = share;
  const until = Date.now() + FILL_SLICE_MS;
  while (fill.next < paths.length) {
    if (Date.now() >= until) return void setImmediate(fillSlice);
    const rel = paths[fill.next++] as string;
    if (!loader.prefetch(rel, fill.request.maxFileBytes, fill.opener)) return endFill(fill.request, "full");
  }
  endFill(fill.request, "complete");
}

function endFill(request: FillRequest, outcome: FilledMessage["outcome"]) {
  filling?.opener?.close();
  filling = undefined;
  parentPort?.postMessage({
    type: "filled",
    snapshotId: request.snapshotId,
    outcome,
  } satisfies FilledMessage);
}

function runScan(job: ScanJob, opener: NoFollowOpener | undefined): ScanReport {
  const stopFlag = new Int32Array(job.stop);
  const shouldStop = () => Atomics.load(stopFlag, 0) !== 0 || Date.now() >= job.deadlineAt;
  const report = (fields: Partial<ScanReport>): ScanReport => ({
    type: "report",
    jobId: job.jobId,
    hits: [],
    frontier: null,
    filesSearched: 0,
    done: true,
    ...fields,
  });
  if (!share || share.snapshotId !== job.snapshotId) return report({});
  const { indexes, paths } = share;
  const finder = createLineFinder(job.matcher, shouldStop);
  const matchesGlob = job.glob === undefined ? undefined : compileGlob(job.glob);
  const prefix = job.prefix === "" ? "" : `${job.prefix}/`;
  const endIndex = job.endIndex ?? Number.MAX_SAFE_INTEGER;
  const candidates = job.candidates ? new Uint8Array(job.candidates) : undefined;

  let hits: WireHit[] = [];
  let hitsTotal = 0;
  let searched = 0;
  let filesSearched = 0;
  let lastReport = Date.now();
  const flush = (frontier: Position) => {
    parentPort?.postMessage(report({ hits, frontier, filesSearched, done: false }));
    hits = [];
    filesSearched = 0;
    lastReport = Date.now();
  };

  const positionOf = (index: number): Position =>
    index === job.start.index ? job.start : { index, line: 1, offset: 0 };
  let k = lowerBoundIndex(indexes, job.start.index);
  for (; k < indexes.length; k++) {
    const index = indexes[k] as number;
    if (index >= endIndex) break;
    const resuming = index === job.start.index;
    if (shouldStop())
      return report({ hits, frontier: positionOf(index), filesSearched, stoppedBy: "deadline" });
    const rel = paths[k] as string;
    if (prefix !== "" && !rel.startsWith(prefix)) continue;
    if (matchesGlob && !matchesGlob(rel)) continue;
    if (searched >= job.maxFiles)
      return report({ hits, frontier: positionOf(index), filesSearched, stoppedBy: "files" });
    searched++;
    filesSearched++;
    if (candidates && candidates[index] === 0) continue;
    const from = resuming ? job.start.offset : 0;
    const bytes = loader.load(rel, from, job.maxFileBytes, opener);
    // Most files hold no match: one cheap look rules them out without the line-by-line machinery.
    if (!bytes || (bytes.eof && finder.rulesOut?.(bytes.buf, from - bytes.base))) continue;
    let result;
    try {
      result = scanRegion(
        bytes,
        {
          index,
          mode: job.mode,
          context: job.context,
          startOffset: from,
          startLine: resuming ? job.start.line : 1,
          maxHits: job.maxHits - hitsTotal,
        },
        finder,
      );
    } catch (err) {
      if (!(err instanceof ScanInterrupted)) throw err;
      // Resume from the first line of this file not known to be free of hits.
      return report({ hits, frontier: positionOf(index), filesSearched, stoppedBy: "deadline" });
    }
    hits.push(...result.hits);
    hitsTotal += result.hits.length;
    if (result.full) {
      const frontier = result.resume ? { index, ...result.resume } : { index: index + 1, line: 1, offset: 0 };
      return report({ hits, frontier, filesSearched, stoppedBy: "limit" });
    }
    if (result.resume)
      return report({ hits, frontier: { index, ...result.resume }, filesSearched, stoppedBy: "file_bytes" });
    if (hits.length >= REPORT_EVERY_HITS || Date.now() - lastReport >= REPORT_EVERY_MS)
      flush({ index: index + 1, line: 1, offset: 0 });
  }
  return report({ hits, frontier: null, filesSearched });
}

function lowerBoundIndex(indexes: Int32Array, index: number): number {
  let lo = 0;
  let hi = indexes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((indexes[mid] as number) < index) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
