import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { locateKoffi, NoFollowOpener, type FileOpening } from "./no-follow-opener.js";
import type { ScanWorkerData } from "./scan-worker.js";
import {
  comparePositions,
  type FilledMessage,
  type FilesMessage,
  type FillRequest,
  type WarmUpRequest,
  type Position,
  type ScanJob,
  type ScanReport,
  type StopReason,
  type WireHit,
  type WorkerMessage,
} from "./protocol.js";

export interface ScanPoolOptions {
  rootReal: string;
  ignoreFileNames: readonly string[];
  workers: number;
  /** Bytes of file contents cached, shared out between the workers. */
  cacheMaxBytes: number;
  /** Workers open files without following symlinks through koffi when it loads (no-follow-opener.ts). */
  noFollowOpen: boolean;
  /** How long past its deadline a worker may take to stop before it is terminated. */
  hardStopGraceMs: number;
}

export type ScanRequest = Omit<ScanJob, "type" | "jobId" | "snapshotId" | "stop">;

export interface ScanOutcome {
  /** Hits before `frontier`, in scan order. */
  hits: WireHit[];
  /** Where the scan stopped (everything before it was scanned); null when it reached the end. */
  frontier: Position | null;
  filesSearched: number;
  stoppedBy?: StopReason;
}

interface Part {
  hits: WireHit[];
  frontier: Position | null;
  done: boolean;
  stoppedBy?: StopReason;
}

interface RunningJob {
  request: ScanRequest;
  stop: Int32Array;
  parts: Part[];
  filesSearched: number;
  finish: () => void;
}

interface Slot {
  worker: Worker | undefined;
  /** Settles when the worker can take jobs (or is gone). */
  ready: Promise<void>;
  /**
   * Set by the worker while it loads koffi: a native module's start-up must not be cut short
   * (a worker terminated then aborts the whole process), so `terminate` waits for it.
   */
  loadingNative: Int32Array;
  /** The file list this worker holds. */
  files: readonly string[] | undefined;
  /** The last fill asked of this worker: for which snapshot, and whether it still runs. */
  fill: { snapshotId: number; running: boolean } | undefined;
  /**
   * The worker's last finished fill read every file it could cache. It stays true when the file
   * list changes: the cache keeps the files still listed, and a scan reads the few new ones.
   */
  cacheComplete: boolean;
}

const END: Position = { index: Number.MAX_SAFE_INTEGER, line: 0, offset: 0 };

/**
 * Worker threads that scan files, so a search never holds the event loop: the main thread only
 * hands out work and merges ordered results. Files are shared out by a hash of their path, so a
 * file always goes to the same worker and stays in that worker's cache. Every job runs on every
 * worker; a worker reports hits with the position up to which its share is scanned, and the hits
 * before the smallest such position are final — that is what makes paging exact.
 */
export class ScanPool {
  private readonly slots: Slot[];
  private readonly jobs = new Map<number, RunningJob>();
  private readonly shares = new WeakMap<readonly string[], FilesMessage[]>();
  private readonly snapshotIds = new WeakMap<readonly string[], number>();
  private readonly idleWaiters: (() => void)[] = [];
  private nextJobId = 1;
  private warmedUp = false;
  private nextSnapshotId = 1;
  private closed = false;

  constructor(private readonly options: ScanPoolOptions) {
    this.slots = Array.from({ length: Math.max(1, options.workers) }, () => ({
      worker: undefined,
      ready: Promise.resolve(),
      loadingNative: new Int32Array(new SharedArrayBuffer(4)),
      files: undefined,
      fill: undefined,
      cacheComplete: false,
    }));
  }

  async scan(files: readonly string[], request: ScanRequest, signal?: AbortSignal): Promise<ScanOutcome> {
    if (this.closed) throw new Error("search pool is closed");
    const snapshotId = this.snapshotIdOf(files);
    const jobId = this.nextJobId++;
    const stop = new SharedArrayBuffer(4);
    const job: RunningJob = {
      request,
      stop: new Int32Array(stop),
      parts: this.slots.map(() => ({ hits: [], frontier: request.start, done: false })),
      filesSearched: 0,
      finish: () => undefined,
    };
    const finished = new Promise<void>((resolve) => (job.finish = resolve));
    this.jobs.set(jobId, job);
    const stopNow = () => Atomics.store(job.stop, 0, 1);
    const softTimer = setTimeout(stopNow, Math.max(0, request.deadlineAt - Date.now()));
    const hardTimer = setTimeout(
      () => this.terminateStragglers(jobId),
      Math.max(0, request.deadlineAt - Date.now()) + this.options.hardStopGraceMs,
    );
    signal?.addEventListener("abort", stopNow, { once: true });
    try {
      this.slots.forEach((slot, i) => {
        this.sendFiles(slot, i, files, snapshotId);
        this.workerOf(slot).postMessage({
          ...request,
          type: "scan",
          jobId,
          snapshotId,
          stop,
        } satisfies ScanJob);
      });
      await finished;
      return merge(job);
    } finally {
      clearTimeout(softTimer);
      clearTimeout(hardTimer);
      signal?.removeEventListener("abort", stopNow);
      this.jobs.delete(jobId);
    }
  }

  /**
   * Has every worker read its files into its cache (while idle, after `fill`)? Then a scan reads
   * from memory, and from disk only what changed or is new.
   */
  isWarm(): boolean {
    return this.slots.every((slot) => slot.cacheComplete);
  }

  /**
   * Asks each worker to read its share of `files` into its cache in the background (in slices, a
   * scan always goes first), unless it did or does already for this list.
   */
  fill(files: readonly string[], maxFileBytes: number): void {
    if (this.closed) return;
    const snapshotId = this.snapshotIdOf(files);
    this.slots.forEach((slot, i) => {
      if (slot.fill?.snapshotId === snapshotId) return;
      this.sendFiles(slot, i, files, snapshotId);
      slot.fill = { snapshotId, running: true };
      this.workerOf(slot).postMessage({ type: "fill", snapshotId, maxFileBytes } satisfies FillRequest);
    });
  }

  /**
   * Has each worker load what its first scan needs (koffi) now: a caller that will scan once it
   * has something else (a prefilter's answer) overlaps the two.
   */
  warmUp(files: readonly string[]): void {
    if (this.closed || this.warmedUp) return;
    this.warmedUp = true;
    const snapshotId = this.snapshotIdOf(files);
    this.slots.forEach((slot, i) => {
      this.sendFiles(slot, i, files, snapshotId);
      this.workerOf(slot).postMessage({ type: "warm-up" } satisfies WarmUpRequest);
    });
  }

  /** Resolves once no worker is filling its cache. */
  settled(): Promise<void> {
    if (!this.slots.some((slot) => slot.fill?.running)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Starts the workers and hands them the file list, so the first search does not wait for either;
   * resolves once every worker is ready for jobs, with how they open files.
   */
  async prepare(files: readonly string[]): Promise<FileOpening | undefined> {
    if (this.closed) return undefined;
    const snapshotId = this.snapshotIdOf(files);
    this.slots.forEach((slot, i) => this.sendFiles(slot, i, files, snapshotId));
    await Promise.all(this.slots.map((slot) => slot.ready));
    return this.fileOpening();
  }

  /**
   * How the workers open files: the same platform check they make (this process, this libc),
   * made here so the workers load koffi only when they first scan.
   */
  private fileOpening(): FileOpening {
    if (!this.options.noFollowOpen) return "node:fs";
    const probe = NoFollowOpener.create(this.options.rootReal, locateKoffi());
    probe?.close();
    return probe ? "openat" : "node:fs";
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots) terminate(slot);
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private sendFiles(slot: Slot, i: number, files: readonly string[], snapshotId: number) {
    const worker = this.workerOf(slot);
    if (slot.files === files) return;
    worker.postMessage(this.sharesOf(files, snapshotId)[i]);
    slot.files = files;
  }

  private snapshotIdOf(files: readonly string[]): number {
    let id = this.snapshotIds.get(files);
    if (id === undefined) {
      id = this.nextSnapshotId++;
      this.snapshotIds.set(files, id);
    }
    return id;
  }

  private sharesOf(files: readonly string[], snapshotId: number): FilesMessage[] {
    let shares = this.shares.get(files);
    if (shares) return shares;
    const count = this.slots.length;
    const indexes: number[][] = Array.from({ length: count }, () => []);
    const paths: string[][] = Array.from({ length: count }, () => []);
    files.forEach((path, index) => {
      const slot = count === 1 ? 0 : hashOf(path) % count;
      indexes[slot]!.push(index);
      paths[slot]!.push(path);
    });
    shares = indexes.map((list, i) => ({
      type: "files" as const,
      snapshotId,
      indexes: Int32Array.from(list),
      paths: paths[i]!,
    }));
    this.shares.set(files, shares);
    return shares;
  }

  private workerOf(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const workerData: ScanWorkerData = {
      rootReal: this.options.rootReal,
      ignoreFileNames: this.options.ignoreFileNames,
      cacheMaxBytes: Math.floor(this.options.cacheMaxBytes / this.slots.length),
      koffiPath: this.options.noFollowOpen ? locateKoffi() : undefined,
      loadingNative: slot.loadingNative.buffer as SharedArrayBuffer,
    };
    const worker = new Worker(workerSource(), { eval: true, workerData });
    worker.unref();
    const slotIndex = this.slots.indexOf(slot);
    let ready: () => void = () => undefined;
    slot.ready = new Promise<void>((resolve) => (ready = resolve));
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "ready") ready();
      else if (message.type === "filled") this.onFilled(slot, message);
      else this.onReport(slotIndex, message);
    });
    const lost = () => {
      ready();
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.files = undefined;
      slot.fill = undefined;
      slot.cacheComplete = false;
      this.wakeIdleWaiters();
      for (const job of this.jobs.values()) this.onReport(slotIndex, undefined, job);
    };
    worker.on("error", lost);
    worker.on("exit", lost);
    slot.worker = worker;
    return worker;
  }

  private onFilled(slot: Slot, message: FilledMessage) {
    if (message.outcome !== "interrupted") slot.cacheComplete = message.outcome === "complete";
    if (slot.fill?.snapshotId === message.snapshotId)
      // An interrupted fill is asked again with the next search's list.
      slot.fill =
        message.outcome === "interrupted" ? undefined : { snapshotId: message.snapshotId, running: false };
    this.wakeIdleWaiters();
  }

  private wakeIdleWaiters() {
    if (this.slots.some((slot) => slot.fill?.running)) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** A report from a worker; `undefined` when the worker died: its part ends where it got to. */
  private onReport(slotIndex: number, report: ScanReport | undefined, lostJob?: RunningJob) {
    const job = lostJob ?? (report ? this.jobs.get(report.jobId) : undefined);
    const part = job?.parts[slotIndex];
    if (!job || !part || part.done) return;
    if (report) {
      part.hits.push(...report.hits);
      part.frontier = report.frontier;
      job.filesSearched += report.filesSearched;
      part.done = report.done;
      if (report.stoppedBy) part.stoppedBy = report.stoppedBy;
    } else {
      part.done = true;
      part.stoppedBy = "deadline";
    }
    if (job.parts.every((p) => p.done)) job.finish();
    else if (enoughHits(job)) Atomics.store(job.stop, 0, 1);
  }

  private terminateStragglers(jobId: number) {
    const job = this.jobs.get(jobId);
    if (!job) return;
    this.slots.forEach((slot, i) => {
      if (!job.parts[i]?.done) terminate(slot);
    });
  }
}

/** Terminates a slot's worker, once it is not loading koffi (see `Slot.loadingNative`). */
function terminate(slot: Slot): void {
  const worker = slot.worker;
  if (!worker) return;
  const attempt = () => {
    if (Atomics.load(slot.loadingNative, 0) === 1) setTimeout(attempt, 5).unref();
    else void worker.terminate();
  };
  attempt();
}

function frontierOf(job: RunningJob): Position {
  let min = END;
  for (const part of job.parts) {
    const frontier = part.frontier ?? END;
    if (comparePositions(frontier, min) < 0) min = frontier;
  }
  return min;
}

function finalHits(job: RunningJob, frontier: Position): WireHit[] {
  const hits: WireHit[] = [];
  for (const part of job.parts)
    for (const hit of part.hits) if (comparePositions(hit, frontier) < 0) hits.push(hit);
  return hits.sort(comparePositions);
}

function enoughHits(job: RunningJob): boolean {
  const frontier = frontierOf(job);
  let count = 0;
  for (const part of job.parts)
    for (const hit of part.hits)
      if (comparePositions(hit, frontier) < 0 && ++count >= job.request.maxHits) return true;
  return false;
}

function merge(job: RunningJob): ScanOutcome {
  const frontier = frontierOf(job);
  const hits = finalHits(job, frontier);
  if (frontier === END) return { hits, frontier: null, filesSearched: job.filesSearched };
  const stopped = job.parts.find((p) => p.frontier && comparePositions(p.frontier, frontier) === 0);
  return {
    hits,
    frontier,
    filesSearched: job.filesSearched,
    stoppedBy: hits.length >= job.request.maxHits ? "limit" : (stopped?.stoppedBy ?? "deadline"),
  };
}

let bundled: string | undefined;

/** The worker's bundle as a release ships it, beside the Core's own bundle (scripts/build-artifact.ts). */
export const PREBUILT_WORKER_FILE = "scan-worker.cjs";

/**
 * The worker's code as one CommonJS bundle, once per process: the release's prebuilt file when
 * there is one, else built now. Worker threads start as plain Node, whatever runs the main thread
 * (tsx, vitest): bundling with esbuild takes ~0.1 s once, where loading the TypeScript through a
 * loader in every worker took ~0.5 s each. esbuild is loaded only then: a release does not ship it.
 */
function workerSource(): string {
  if (bundled !== undefined) return bundled;
  const prebuilt = fileURLToPath(new URL(`./${PREBUILT_WORKER_FILE}`, import.meta.url));
  bundled = existsSync(prebuilt) ? readFileSync(prebuilt, "utf8") : bundleScanWorker();
  return bundled;
}

/** Bundles the scan worker from its source (the release build bundles it the same way, ahead of time). */
function bundleScanWorker(): string {
  const { buildSync } = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
  return buildSync({
    entryPoints: [fileURLToPath(new URL("./scan-worker.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    logLevel: "silent",
  }).outputFiles[0]!.text;
}

/** FNV-1a: a cheap, stable spread of paths over workers. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
