import { realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { isDeniedName } from "./deny-list.js";
import { nowNs, signatureOf, stillValid } from "./file-signature.js";
import { isEntryIgnoredBy, type DirRules, type IgnoreRules } from "./ignore-rules.js";
import { isInside } from "./paths.js";
import {
  buildSnapshot,
  emptyNode,
  readRaw,
  sameList,
  sameRaw,
  settledNodesOf,
  type DirNode,
  type TreeSnapshot,
} from "./tree-node.js";

export type { Structure, TreeSnapshot } from "./tree-node.js";

interface WalkResult {
  node: DirNode;
  changed: boolean;
}

/** Yield to the event loop this often during a long walk, so other requests are not starved. */
const YIELD_EVERY_MS = 25;

/**
 * The visible tree of the project, cached. Each request re-stats every visible directory (one
 * cheap syscall each) and re-reads only directories whose stat changed; filtering is redone only
 * where an ignore file changed. When nothing changed the previous snapshot is returned as is.
 */
export class ProjectTree {
  private root: DirNode | undefined;
  private snapshot: TreeSnapshot | undefined;
  private inFlight: Promise<TreeSnapshot> | undefined;
  /** Every directory of the last walk, when all of them were settled: the fast freshness check. */
  private settledNodes: DirNode[] | undefined;
  private lastYield = 0;

  constructor(
    private readonly rootReal: string,
    private readonly rules: IgnoreRules,
    private readonly clockNs: () => bigint = nowNs,
  ) {}

  /** Concurrent callers share one walk. */
  current(): Promise<TreeSnapshot> {
    if (!this.inFlight && this.snapshot && this.unchangedSinceLastWalk())
      return Promise.resolve(this.snapshot);
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * The warm path: one stat per directory (plus its ignore files and symlinks), no listing, no
   * filtering, no allocation of a new tree. Any difference, or anything not yet settled, sends
   * the caller to the incremental walk.
   */
  private unchangedSinceLastWalk(): boolean {
    const nodes = this.settledNodes;
    if (!nodes) return false;
    const capturedAt = this.clockNs();
    for (const node of nodes) {
      const stats = statSync(node.abs, { bigint: true, throwIfNoEntry: false });
      if (!stats?.isDirectory() || signatureOf(stats, capturedAt).key !== node.signature.key) return false;
      if (
        node.raw.ignoreFiles.size > 0 &&
        this.rules.rulesFor(node.rel, node.raw.ignoreFiles) !== node.rules
      ) {
        return false;
      }
      // Same targets: whether a target is visible can only change through a directory or ignore
      // file this loop checks too.
      if (node.raw.links.length > 0 && this.linkTargetsOf(node.abs, node.raw.links) !== node.linkTargets)
        return false;
    }
    return true;
  }

  private async refresh(): Promise<TreeSnapshot> {
    this.lastYield = Date.now();
    const result = await this.walk("", [], false, this.root);
    const node = result?.node ?? emptyNode();
    if (!this.snapshot || !result || result.changed) this.snapshot = buildSnapshot(node);
    this.root = node;
    this.settledNodes = result ? settledNodesOf(node) : undefined;
    return this.snapshot;
  }

  private async walk(rel: string, parentChain: DirRules[], chainChanged: boolean, prev: DirNode | undefined) {
    if (Date.now() - this.lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      this.lastYield = Date.now();
    }
    const abs = rel === "" ? this.rootReal : join(this.rootReal, rel);
    const capturedAt = this.clockNs();
    const stats = statSync(abs, { bigint: true, throwIfNoEntry: false });
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
    for (const name of visibleDirs) {
      const childRel = rel === "" ? name : `${rel}/${name}`;
      const child = await this.walk(childRel, chain, ownChainChanged, prev?.children.get(name));
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
