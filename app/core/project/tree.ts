import { realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { isDeniedName } from "./deny-list.js";
import { nowNs, signatureOf, stillValid } from "./file-signature.js";
import { isEntryIgnoredBy, type DirRules, type IgnoreRules } from "./ignore-rules.js";
import { isInside } from "./paths.js";
import {
  buildSnapshot,
  describeFsError,
  emptyNode,
  nodesOf,
  readRaw,
  sameList,
  sameRaw,
  type DirNode,
  type TreeSnapshot,
} from "./tree-node.js";
import {
  DEFAULT_MAX_WATCHED_DIRS,
  DirectoryWatches,
  drainFsEvents,
  watchBudget,
  watchSupported,
  type WatchMode,
} from "./tree-watch.js";

export type { DirectoryEntry, Structure, TreeSnapshot, Unreadable } from "./tree-node.js";
export type { WatchMode } from "./tree-watch.js";

interface WalkResult {
  node: DirNode;
  changed: boolean;
}

/** Yield to the event loop this often during a long walk, so other requests are not starved. */
const YIELD_EVERY_MS = 25;

/**
 * How long the watches alone vouch for the tree before a full stat check confirms it again. It
 * bounds the damage of an event the kernel dropped (a full inotify queue is silently discarded).
 */
export const WATCH_TRUST_MS = 10_000;

export interface TreeOptions {
  clockNs?: () => bigint;
  /** `auto` (default): inotify watches on Linux, stat checks elsewhere; `off`: stat checks only. */
  watch?: WatchMode;
  /** Most directories to watch (further capped at half the kernel's per-user budget). */
  maxWatchedDirs?: number;
  /** Called once when a watch limit is reached. */
  onWarning?: (message: string) => void;
  /** Called each time a round of watch installs finishes. */
  onWatching?: (watched: number, unwatched: number) => void;
}

/** How each answer was obtained, for tests and the benchmark. */
export interface TreeStats {
  /** Incremental walks (cold listing, or something changed). */
  walks: number;
  /** Answers confirmed by a stat of every directory. */
  statChecks: number;
  /** Answers confirmed by the watches (plus a stat of the few unwatched directories). */
  watchHits: number;
}

/** The state the watches vouch for: nothing moved since `changes`, for directories watched then. */
interface Armed {
  changes: number;
  coverage: number;
  until: number;
  /** Directories without a watch when armed: stat-checked on every request. */
  unwatched: DirNode[];
  /** Directories holding symlinks: their targets are re-resolved on every request. */
  linked: DirNode[];
}

/**
 * The visible tree of the project, cached. Freshness comes from two sources:
 *
 * - stat checks: every visible directory (and its ignore files and symlinks) is re-stat'ed and
 *   only directories whose stat changed are re-read; filtering is redone only where an ignore
 *   file changed. When nothing changed the previous snapshot is returned as is.
 * - on Linux, inotify watches on every listed directory (installed in the background after a
 *   walk). Once a full stat check has confirmed the tree with the watches in place, later
 *   requests let pending events run ({@link drainFsEvents}) and, if none may have changed the
 *   listing, return the snapshot without touching the disk — re-confirmed by stats every
 *   {@link WATCH_TRUST_MS}, and whenever any watch fails.
 */
export class ProjectTree {
  readonly stats: TreeStats = { walks: 0, statChecks: 0, watchHits: 0 };
  private root: DirNode | undefined;
  private snapshot: TreeSnapshot | undefined;
  private inFlight: Promise<TreeSnapshot> | undefined;
  /** Every directory of the last walk, when all of them were settled: the stat freshness check. */
  private settledNodes: DirNode[] | undefined;
  private watches: DirectoryWatches | undefined;
  private armed: Armed | undefined;
  private readonly clockNs: () => bigint;
  private lastYield = 0;

  constructor(
    private readonly rootReal: string,
    private readonly rules: IgnoreRules,
    options: TreeOptions = {},
  ) {
    this.clockNs = options.clockNs ?? nowNs;
    if (watchSupported(options.watch ?? "auto"))
      this.watches = new DirectoryWatches(
        watchBudget(options.maxWatchedDirs ?? DEFAULT_MAX_WATCHED_DIRS),
        options.onWarning,
        options.onWatching,
      );
  }

  /**
   * Concurrent callers share one walk — one that started after they called: a walk already under
   * way may have read a directory before a change the caller made (or saw) just before calling.
   */
  async current(): Promise<TreeSnapshot> {
    if (this.inFlight) await this.inFlight.catch(() => undefined);
    if (this.armed && !this.inFlight) {
      await drainFsEvents();
      if (this.snapshot && !this.inFlight && this.stillArmed()) {
        this.stats.watchHits++;
        return this.snapshot;
      }
    }
    this.armed = undefined;
    if (!this.inFlight && this.snapshot && this.settledNodes) {
      const changes = this.watches?.changes;
      const coverage = this.watches?.coverage ?? 0;
      const unwatched = this.watches ? this.settledNodes.filter((n) => !this.watches!.isWatched(n)) : [];
      if (this.unchangedSinceLastWalk(this.settledNodes)) {
        this.stats.statChecks++;
        if (changes !== undefined && changes === this.watches?.changes) {
          this.armed = {
            changes,
            coverage,
            until: Date.now() + WATCH_TRUST_MS,
            unwatched,
            linked: this.settledNodes.filter((n) => n.raw.links.length > 0),
          };
        }
        return this.snapshot;
      }
    }
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Resolves once the background watch installs are done. */
  async watchesInstalled(): Promise<void> {
    await this.watches?.idle();
  }

  /** Stops the watches; later answers come from stat checks. */
  close(): void {
    this.armed = undefined;
    this.watches?.close();
    this.watches = undefined;
  }

  /** Nothing the watches saw, trust not expired, and the directories they do not cover unchanged. */
  private stillArmed(): boolean {
    const armed = this.armed;
    const watches = this.watches;
    if (!armed || !watches) return false;
    if (armed.changes !== watches.changes || armed.coverage !== watches.coverage) return false;
    if (Date.now() > armed.until) return false;
    const capturedAt = this.clockNs();
    for (const node of armed.unwatched) if (!this.nodeUnchanged(node, capturedAt)) return false;
    for (const node of armed.linked) {
      if (this.linkTargetsOf(node.abs, node.raw.links) !== node.linkTargets) return false;
      // A symlinked ignore file's target may live in a directory whose watch ignores content edits.
      if (node.raw.ignoreFiles.size > 0 && this.rules.rulesFor(node.rel, node.raw.ignoreFiles) !== node.rules)
        return false;
    }
    return true;
  }

  /**
   * The stat check: one stat per directory (plus its ignore files and symlinks), no listing, no
   * filtering, no allocation of a new tree. Any difference sends the caller to the walk.
   */
  private unchangedSinceLastWalk(nodes: DirNode[]): boolean {
    const capturedAt = this.clockNs();
    for (const node of nodes) if (!this.nodeUnchanged(node, capturedAt)) return false;
    return true;
  }

  private nodeUnchanged(node: DirNode, capturedAt: bigint): boolean {
    const stats = statOrError(node.abs);
    if (typeof stats === "string") return false;
    if (!stats?.isDirectory() || signatureOf(stats, capturedAt).key !== node.signature.key) return false;
    if (node.raw.ignoreFiles.size > 0 && this.rules.rulesFor(node.rel, node.raw.ignoreFiles) !== node.rules)
      return false;
    // Same targets: whether a target is visible can only change through a directory or ignore
    // file this check covers too.
    return node.raw.links.length === 0 || this.linkTargetsOf(node.abs, node.raw.links) === node.linkTargets;
  }

  private async refresh(): Promise<TreeSnapshot> {
    this.stats.walks++;
    this.lastYield = Date.now();
    const walked = await this.walk("", [], false, this.root);
    const result = typeof walked === "string" ? undefined : walked;
    const node = result?.node ?? emptyNode();
    if (typeof walked === "string") node.raw.error = walked;
    if (!this.snapshot || !result || result.changed) this.snapshot = buildSnapshot(node);
    this.root = node;
    const nodes = result ? nodesOf(node) : [];
    this.settledNodes = nodes.every((n) => n.signature.settled) && result ? nodes : undefined;
    this.watches?.sync(nodes);
    return this.snapshot;
  }

  /** The directory's node; undefined when it is gone or no longer a directory; a reason when it cannot be read. */
  private async walk(
    rel: string,
    parentChain: DirRules[],
    chainChanged: boolean,
    prev: DirNode | undefined,
  ): Promise<WalkResult | string | undefined> {
    if (Date.now() - this.lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      this.lastYield = Date.now();
    }
    const abs = rel === "" ? this.rootReal : join(this.rootReal, rel);
    const capturedAt = this.clockNs();
    const stats = statOrError(abs);
    if (typeof stats === "string") return stats;
    if (!stats?.isDirectory()) return undefined;
    const signature = signatureOf(stats, capturedAt);
    const rawUnchanged = prev !== undefined && stillValid(prev.signature, signature);
    const raw = rawUnchanged ? prev.raw : readRaw(abs, this.rules.fileNames);
    let changed = !rawUnchanged && (prev === undefined || !sameRaw(prev.raw, raw));

    const rules = raw.ignoreFiles.size > 0 ? this.rules.rulesFor(rel, raw.ignoreFiles) : undefined;
    const ownChainChanged = chainChanged || rules !== prev?.rules;
    const chain = rules ? [...parentChain, rules] : parentChain;

    let visibleFiles: string[];
    let visibleDirs: string[];
    if (prev && !changed && !ownChainChanged) {
      visibleFiles = prev.visibleFiles;
      visibleDirs = prev.visibleDirs;
    } else {
      visibleFiles = visibleOnly(chain, rel, raw.files, false);
      visibleDirs = visibleOnly(chain, rel, raw.dirs, true);
      changed ||=
        !prev || !sameList(prev.visibleFiles, visibleFiles) || !sameList(prev.visibleDirs, visibleDirs);
    }

    const links = this.resolveLinks(rel, chain, raw.links);
    changed ||= links.key !== prev?.linkKey;

    const children = new Map<string, DirNode>();
    const unreadableDirs = new Map<string, string>();
    for (const name of visibleDirs) {
      const childRel = rel === "" ? name : `${rel}/${name}`;
      const child = await this.walk(childRel, chain, ownChainChanged, prev?.children.get(name));
      if (typeof child === "string") {
        unreadableDirs.set(name, child);
        changed ||= prev?.unreadableDirs.get(name) !== child;
        continue;
      }
      if (!child) {
        changed = true;
        continue;
      }
      changed ||= child.changed;
      children.set(name, child.node);
    }
    const node: DirNode = {
      rel,
      abs,
      dev: stats.dev,
      ino: stats.ino,
      signature,
      chain,
      raw,
      rules,
      visibleFiles,
      visibleDirs,
      linkKey: links.key,
      linkTargets: links.targets,
      linkFiles: links.files,
      linkDirs: links.dirs,
      children,
      unreadableDirs,
    };
    return { node, changed } satisfies WalkResult;
  }

  /**
   * Symlinks are listed only when they resolve inside the root to something visible. Linked
   * directories are listed by name but not descended into (no cycles, no duplicates); their
   * files can still be read through the link.
   */
  private linkTargetsOf(dirAbs: string, names: string[]): string {
    return names.map((name) => realTarget(join(dirAbs, name))).join("\0");
  }

  private resolveLinks(rel: string, chain: DirRules[], names: string[]) {
    const files: string[] = [];
    const dirs: string[] = [];
    const targets: string[] = [];
    for (const name of names) {
      const abs = join(this.rootReal, rel, name);
      const target = realTarget(abs);
      targets.push(target);
      try {
        if (target === "") continue;
        if (!isInside(this.rootReal, target)) continue;
        const targetRel = target.slice(this.rootReal.length + 1);
        const isDir = statSync(target).isDirectory();
        if (!isVisible(chain, rel, name, isDir) || targetRel === "" || this.rules.isHidden(targetRel, isDir))
          continue;
        (isDir ? dirs : files).push(name);
      } catch {
        // Dangling or unreadable link: not listed.
      }
    }
    return { files, dirs, key: `${files.join("\0")}\u0001${dirs.join("\0")}`, targets: targets.join("\0") };
  }
}

/** stat that reports (rather than throws) a directory it may not enter or whose path is too long. */
function statOrError(abs: string) {
  try {
    return statSync(abs, { bigint: true, throwIfNoEntry: false });
  } catch (error) {
    return describeFsError(error);
  }
}

function realTarget(abs: string): string {
  try {
    return realpathSync.native(abs);
  } catch {
    return "";
  }
}

function isVisible(chain: DirRules[], dirRel: string, name: string, isDirectory: boolean): boolean {
  if (isDeniedName(name)) return false;
  return chain.length === 0 || !isEntryIgnoredBy(chain, dirRel, name, isDirectory);
}

/** The visible names; the same array when all are visible (the common case), to spare the allocation. */
function visibleOnly(chain: DirRules[], dirRel: string, names: string[], isDirectory: boolean): string[] {
  for (let i = 0; i < names.length; i++) {
    if (!isVisible(chain, dirRel, names[i] as string, isDirectory)) {
      const kept = names.slice(0, i);
      for (let j = i + 1; j < names.length; j++)
        if (isVisible(chain, dirRel, names[j] as string, isDirectory)) kept.push(names[j] as string);
      return kept;
    }
  }
  return names;
}
