import { readFileSync, statfsSync, statSync, watch, type FSWatcher } from "node:fs";
import { basename } from "node:path";
import type { DirNode } from "./tree-node.js";

/**
 * File systems on which inotify reports every change as part of the system call that made it.
 * Network and user-space file systems (NFS, SMB, FUSE, 9p, virtiofs...) do not report changes
 * made on the other side: their directories are stat-checked instead.
 */
const LOCAL_FILE_SYSTEMS = new Set([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x794c7630, // overlayfs
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
  0x3153464a, // jfs
  0x52654973, // reiserfs
]);

/** Whether inotify sees every change to the directory at `path` (false when that cannot be told). */
export function onLocalFileSystem(path: string): boolean {
  try {
    return LOCAL_FILE_SYSTEMS.has(Number(statfsSync(path).type));
  } catch {
    return false;
  }
}

/** Install watches in slices of this long, so a large tree does not hold up requests. */
const INSTALL_SLICE_MS = 5;

export type WatchMode = "auto" | "off";

/** Default most directories one Core watches (about 3 KB of memory each, plus the kernel's share). */
export const DEFAULT_MAX_WATCHED_DIRS = 20_000;

/**
 * The watches this process may take: the configured most, and never more than half the user's
 * inotify budget — editors and other tools on the machine need theirs too.
 */
export function watchBudget(configured: number): number {
  try {
    const kernel = Number(readFileSync("/proc/sys/fs/inotify/max_user_watches", "utf8").trim());
    if (Number.isFinite(kernel) && kernel > 0) return Math.min(configured, Math.floor(kernel / 2));
  } catch {
    // not Linux, or /proc not mounted: the configured figure alone
  }
  return configured;
}

interface Entry {
  watcher: FSWatcher;
  /** The directory's inode when the watch was installed: a directory replaced under the same name needs a new watch. */
  ino: bigint;
  node: DirNode;
  /** The node's regular files, built on the first content-change event. */
  fileSet: Set<string> | undefined;
}

/**
 * One inotify watch per listed directory (Linux, local file systems), installed in the background
 * after a walk. `changes` counts every event that may alter the listing — an entry created,
 * deleted, renamed or re-typed, an ignore file edited, a directory's own attributes changed — and
 * every watch failure. A regular file's content edits do not count: they cannot change the listing.
 *
 * The kernel queues an inotify event inside the system call that made the change, so once the
 * event loop has polled after a change was made, `changes` has moved (see {@link drainFsEvents}).
 * Directories without a watch (not yet installed, unwatchable, remote, over the watch limit) are
 * reported by {@link isWatched} so the tree can keep stat-checking them.
 */
export class DirectoryWatches {
  changes = 0;
  /** Moves each time a round of installs finishes, so the tree re-arms with the new coverage. */
  coverage = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly localDevices = new Map<bigint, boolean>();
  private wanted: DirNode[] = [];
  private installing = false;
  private stopped: string | undefined;
  private budgetReported = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly maxWatches: number,
    private readonly onLimit: (message: string) => void = () => undefined,
    private readonly onInstalled: (watched: number, unwatched: number) => void = () => undefined,
  ) {}

  /** Whether a watch covers this node's directory as it was read. */
  isWatched(node: DirNode): boolean {
    const entry = this.entries.get(node.abs);
    return entry !== undefined && entry.ino === node.ino;
  }

  /** Adopts the nodes of a new walk: drops watches of directories gone, installs the missing ones. */
  sync(nodes: DirNode[]): void {
    if (this.closed) return;
    const keep = new Set<string>();
    for (const node of nodes) {
      keep.add(node.abs);
      const entry = this.entries.get(node.abs);
      if (!entry) continue;
      if (entry.ino !== node.ino) this.drop(node.abs, entry);
      else if (entry.node !== node) {
        entry.node = node;
        entry.fileSet = undefined;
      }
    }
    for (const [abs, entry] of this.entries) if (!keep.has(abs)) this.drop(abs, entry);
    this.wanted = nodes;
    if (!this.installing && !this.stopped) {
      this.installing = true;
      setImmediate(() => this.install(0));
    }
  }

  /** Resolves once the background installs are done (tests and benchmarks use it). */
  idle(): Promise<void> {
    if (!this.installing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.wanted = [];
    for (const [abs, entry] of this.entries) this.drop(abs, entry);
  }

  private install(from: number): void {
    const nodes = this.wanted;
    const deadline = Date.now() + INSTALL_SLICE_MS;
    let i = from;
    for (; i < nodes.length && !this.closed && !this.stopped; i++) {
      const node = nodes[i] as DirNode;
      if (!this.entries.has(node.abs)) {
        if (this.entries.size >= this.maxWatches) {
          this.reportBudget(nodes.length);
          break;
        }
        this.add(node);
      }
      if (Date.now() > deadline) break;
    }
    const full = this.entries.size >= this.maxWatches;
    if (i < nodes.length && nodes === this.wanted && !this.closed && !this.stopped && !full) {
      setImmediate(() => this.install(i + 1));
      return;
    }
    if (nodes !== this.wanted && !this.closed && !this.stopped) {
      setImmediate(() => this.install(0)); // a newer walk replaced the list: go over it
      return;
    }
    this.installing = false;
    this.coverage++;
    if (!this.closed) this.onInstalled(this.entries.size, Math.max(0, nodes.length - this.entries.size));
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private reportBudget(wanted: number): void {
    if (this.budgetReported) return;
    this.budgetReported = true;
    this.onLimit(
      `watching the first ${this.maxWatches} of ${wanted} directories (TREE_WATCH_MAX_DIRS, at most half ` +
        `of fs.inotify.max_user_watches); the others are stat-checked on every request`,
    );
  }

  private add(node: DirNode): void {
    if (!this.onLocalFileSystem(node)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(node.abs, { persistent: false }, (event, name) => this.onEvent(entry, event, name));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOSPC" || code === "EMFILE") {
        // The per-user inotify watch limit: the remaining directories stay stat-checked.
        this.stopped = code;
        this.onLimit(
          `cannot watch more directories (${code}: raise fs.inotify.max_user_watches); ` +
            `${this.wanted.length - this.entries.size} directories are stat-checked on every request instead`,
        );
      }
      return; // vanished (ENOENT) or unreadable (EACCES): stat-checked instead
    }
    const entry: Entry = { watcher, ino: node.ino, node, fileSet: undefined };
    watcher.on("error", () => {
      this.drop(node.abs, entry);
      this.changes++;
    });
    // The directory must still be the one the walk read: if it was replaced in between, an event
    // already moved `changes` in its parent, and the next walk installs a watch on the new one.
    if (currentInode(node.abs) !== node.ino) {
      watcher.close();
      this.changes++;
      return;
    }
    this.entries.set(node.abs, entry);
  }

  private onEvent(entry: Entry, event: string, name: string | Buffer | null): void {
    const self = name === basename(entry.node.abs);
    if (event === "rename" && (self || name === null)) {
      // The directory itself was deleted or moved (the kernel has dropped or kept the watch on
      // an inode no longer at this path): forget it, or a new directory made under this name —
      // which can get the freed inode number back — would pass for watched.
      this.drop(entry.node.abs, entry);
    }
    if (event === "change" && typeof name === "string" && !self) {
      const raw = entry.node.raw;
      entry.fileSet ??= new Set(raw.files);
      // A regular file's content or attributes changed: the listing cannot have.
      if (entry.fileSet.has(name) && !raw.ignoreFiles.has(name)) return;
    }
    this.changes++;
  }

  private onLocalFileSystem(node: DirNode): boolean {
    let local = this.localDevices.get(node.dev);
    if (local === undefined) {
      local = onLocalFileSystem(node.abs);
      this.localDevices.set(node.dev, local);
    }
    return local;
  }

  private drop(abs: string, entry: Entry): void {
    entry.watcher.close();
    if (this.entries.get(abs) === entry) this.entries.delete(abs);
  }
}

/**
 * Lets the event loop poll once more, so that every inotify event queued by a change made before
 * this call has run its handler. A single `setImmediate` is not enough when called from an I/O
 * callback (the check phase follows that same poll); two always span a poll phase.
 */
export async function drainFsEvents(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

/** The inode now at `abs`; undefined when it is gone or cannot be reached (it runs in a callback: never throws). */
function currentInode(abs: string): bigint | undefined {
  try {
    return statSync(abs, { bigint: true, throwIfNoEntry: false })?.ino;
  } catch {
    return undefined;
  }
}

/** inotify delivers events synchronously with the change only on Linux. */
export function watchSupported(mode: WatchMode): boolean {
  return mode === "auto" && process.platform === "linux";
}
