import { readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { isDeniedName } from "./deny-list.js";
import { nowNs, signatureOf, stillValid, type Signature } from "./file-signature.js";
import { isEntryIgnoredBy, type DirRules, type IgnoreRules } from "./ignore-rules.js";
import { isInside } from "./paths.js";

/** `{ ".": {directories, files}, "src": {...} }`: one entry per non-empty visible directory. */
export type Structure = Record<string, { directories: string[]; files: string[] }>;

export interface TreeSnapshot {
  structure: Structure;
  /** Every visible file, relative to the root, in listing order (built on first use). */
  files(): string[];
}

interface RawEntries {
  files: string[];
  dirs: string[];
  links: string[];
  /** Ignore-file names among `files`. */
  ignoreFiles: Set<string>;
}

interface DirNode {
  rel: string;
  abs: string;
  signature: Signature;
  /** Rules that apply to this directory's entries (ancestors' and its own). */
  chain: DirRules[];
  raw: RawEntries;
  rules: DirRules | undefined;
  visibleFiles: string[];
  visibleDirs: string[];
  /** Symlinks are re-resolved on every walk: their target can change without this directory changing. */
  linkKey: string;
  /** Real paths the symlinks resolved to at the last walk ("" for a dangling one). */
  linkTargets: string;
  linkFiles: string[];
  linkDirs: string[];
  children: Map<string, DirNode>;
}

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

function readRaw(abs: string, ignoreFileNames: readonly string[]): RawEntries {
  const raw: RawEntries = { files: [], dirs: [], links: [], ignoreFiles: new Set() };
  let entries;
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch {
    return raw; // unreadable directory: shown as empty rather than failing the whole listing
  }
  for (const entry of entries) {
    if (entry.isFile()) raw.files.push(entry.name);
    else if (entry.isDirectory()) raw.dirs.push(entry.name);
    else if (entry.isSymbolicLink()) raw.links.push(entry.name);
  }
  for (const name of ignoreFileNames) if (raw.files.includes(name)) raw.ignoreFiles.add(name);
  raw.files.sort();
  raw.dirs.sort();
  raw.links.sort();
  return raw;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameRaw(a: RawEntries, b: RawEntries): boolean {
  return sameList(a.files, b.files) && sameList(a.dirs, b.dirs) && sameList(a.links, b.links);
}

/** All nodes of the tree, or undefined when one changed too recently to be trusted unchecked. */
function settledNodesOf(root: DirNode): DirNode[] | undefined {
  const nodes: DirNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop() as DirNode;
    if (!node.signature.settled) return undefined;
    nodes.push(node);
    for (const child of node.children.values()) stack.push(child);
  }
  return nodes;
}

function emptyNode(): DirNode {
  return {
    rel: "",
    abs: "",
    chain: [],
    linkTargets: "",
    signature: { key: "", settled: false },
    raw: { files: [], dirs: [], links: [], ignoreFiles: new Set() },
    rules: undefined,
    visibleFiles: [],
    visibleDirs: [],
    linkKey: "",
    linkFiles: [],
    linkDirs: [],
    children: new Map(),
  };
}

/** The answer shares arrays with the cached nodes: callers must treat it as read-only. */
function buildSnapshot(root: DirNode): TreeSnapshot {
  const structure: Structure = {};
  const visit = (rel: string, node: DirNode) => {
    const files =
      node.linkFiles.length > 0 ? [...node.visibleFiles, ...node.linkFiles].sort() : node.visibleFiles;
    const directories =
      node.linkDirs.length > 0 ? [...node.visibleDirs, ...node.linkDirs].sort() : node.visibleDirs;
    if (files.length > 0 || directories.length > 0)
      structure[rel === "" ? "." : rel] = { directories, files };
    for (const name of node.visibleDirs) {
      const child = node.children.get(name);
      if (child) visit(rel === "" ? name : `${rel}/${name}`, child);
    }
  };
  visit("", root);
  let files: string[] | undefined;
  return {
    structure,
    files: () =>
      (files ??= Object.entries(structure).flatMap(([dir, entry]) =>
        entry.files.map((name) => (dir === "." ? name : `${dir}/${name}`)),
      )),
  };
}
