import { readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { isDeniedName } from "./deny-list.js";
import { nowNs, signatureOf, stillValid, type Signature } from "./file-signature.js";
import { isIgnoredBy, type DirRules, type IgnoreRules } from "./ignore-rules.js";
import { isInside } from "./paths.js";

/** `{ ".": {directories, files}, "src": {...} }`: one entry per non-empty visible directory. */
export type Structure = Record<string, { directories: string[]; files: string[] }>;

export interface TreeSnapshot {
  structure: Structure;
  /** Every visible file, relative to the root, in listing order. */
  files: string[];
}

interface RawEntries {
  files: string[];
  dirs: string[];
  links: string[];
}

interface DirNode {
  signature: Signature;
  raw: RawEntries;
  rules: DirRules | undefined;
  visibleFiles: string[];
  visibleDirs: string[];
  /** Symlinks are re-resolved on every walk: their target can change without this directory changing. */
  linkKey: string;
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
  private lastYield = 0;

  constructor(
    private readonly rootReal: string,
    private readonly rules: IgnoreRules,
    private readonly clockNs: () => bigint = nowNs,
  ) {}

  /** Concurrent callers share one walk. */
  current(): Promise<TreeSnapshot> {
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async refresh(): Promise<TreeSnapshot> {
    this.lastYield = Date.now();
    const result = await this.walk("", [], false, this.root);
    const node = result?.node ?? emptyNode();
    if (!this.snapshot || !result || result.changed) this.snapshot = buildSnapshot(node);
    this.root = node;
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
    const raw = rawUnchanged ? prev.raw : readRaw(abs);
    let changed = !rawUnchanged && (prev === undefined || !sameRaw(prev.raw, raw));

    const present = new Set(raw.files.filter((n) => this.rules.fileNames.includes(n)));
    const rules = present.size > 0 ? this.rules.rulesFor(rel, present) : undefined;
    const ownChainChanged = chainChanged || rules !== prev?.rules;
    const chain = rules ? [...parentChain, rules] : parentChain;

    let visibleFiles: string[];
    let visibleDirs: string[];
    if (prev && !changed && !ownChainChanged) {
      visibleFiles = prev.visibleFiles;
      visibleDirs = prev.visibleDirs;
    } else {
      visibleFiles = raw.files.filter((n) => isVisible(chain, rel, n, false));
      visibleDirs = raw.dirs.filter((n) => isVisible(chain, rel, n, true));
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
      signature,
      raw,
      rules,
      visibleFiles,
      visibleDirs,
      linkKey: links.key,
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
  private resolveLinks(rel: string, chain: DirRules[], names: string[]) {
    const files: string[] = [];
    const dirs: string[] = [];
    for (const name of names) {
      const abs = join(this.rootReal, rel, name);
      try {
        const target = realpathSync.native(abs);
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
    return { files, dirs, key: `${files.join("\0")}\u0001${dirs.join("\0")}` };
  }
}

function isVisible(chain: DirRules[], dirRel: string, name: string, isDirectory: boolean): boolean {
  if (isDeniedName(name)) return false;
  if (chain.length === 0) return true;
  return !isIgnoredBy(chain, dirRel === "" ? name : `${dirRel}/${name}`, isDirectory);
}

function readRaw(abs: string): RawEntries {
  const raw: RawEntries = { files: [], dirs: [], links: [] };
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

function emptyNode(): DirNode {
  return {
    signature: { key: "", settled: false },
    raw: { files: [], dirs: [], links: [] },
    rules: undefined,
    visibleFiles: [],
    visibleDirs: [],
    linkKey: "",
    linkFiles: [],
    linkDirs: [],
    children: new Map(),
  };
}

function buildSnapshot(root: DirNode): TreeSnapshot {
  const structure: Structure = {};
  const files: string[] = [];
  const visit = (rel: string, node: DirNode) => {
    const dirFiles =
      node.linkFiles.length > 0 ? [...node.visibleFiles, ...node.linkFiles].sort() : node.visibleFiles;
    const directories =
      node.linkDirs.length > 0 ? [...node.visibleDirs, ...node.linkDirs].sort() : node.visibleDirs;
    if (dirFiles.length > 0 || directories.length > 0) {
      structure[rel === "" ? "." : rel] = { directories: [...directories], files: [...dirFiles] };
    }
    for (const name of dirFiles) files.push(rel === "" ? name : `${rel}/${name}`);
    for (const name of node.visibleDirs) {
      const child = node.children.get(name);
      if (child) visit(rel === "" ? name : `${rel}/${name}`, child);
    }
  };
  visit("", root);
  return { structure, files };
}
