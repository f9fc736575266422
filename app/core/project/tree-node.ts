import { readdirSync } from "node:fs";
import type { Signature } from "./file-signature.js";
import type { DirRules } from "./ignore-rules.js";

export interface DirectoryEntry {
  directories: string[];
  files: string[];
}

/**
 * `{ ".": {directories, files}, "src": {...} }`: one entry per non-empty visible directory. Keys
 * are user-controlled names, so the object has no prototype: a directory named `__proto__` or
 * `constructor` is an entry like any other.
 */
export type Structure = Record<string, DirectoryEntry>;

/** A directory the walk could not read: skipped and reported, everything else is served. */
export interface Unreadable {
  /** Relative to the root. */
  path: string;
  error: string;
}

export interface TreeSnapshot {
  structure: Structure;
  /** The walked tree, for listings of a subtree (read-only). */
  root: DirNode;
  /** Directories that could not be read, in listing order. */
  unreadable: readonly Unreadable[];
  /** Every visible file, relative to the root, in listing order (built on first use). */
  files(): string[];
  /** Every visible file in code-unit order of its path: the order of `/files/list` pages (built on first use). */
  sortedFiles(): string[];
  /** The visible files that are symlinks (to visible files inside the root), among `files()`. */
  links(): ReadonlySet<string>;
}

export interface RawEntries {
  files: string[];
  dirs: string[];
  links: string[];
  /** Ignore-file names among `files` and `links` (a symlinked ignore file counts too). */
  ignoreFiles: Set<string>;
  /** Why the directory could not be listed (it is then served as empty and reported). */
  error?: string;
}

export interface DirNode {
  rel: string;
  abs: string;
  /** Device and inode of the directory as it was read. */
  dev: bigint;
  ino: bigint;
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
  /** Visible subdirectories that could not be read (by name): listed, not expanded, reported. */
  unreadableDirs: Map<string, string>;
}

/** One directory's entries by kind, names sorted; an unreadable directory reads as empty, with `error`. */
export function readRaw(abs: string, ignoreFileNames: readonly string[]): RawEntries {
  const raw: RawEntries = { files: [], dirs: [], links: [], ignoreFiles: new Set() };
  let entries;
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch (error) {
    // Shown as empty rather than failing the whole listing; gone in between is not an error.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") raw.error = describeFsError(error);
    return raw;
  }
  for (const entry of entries) {
    if (entry.isFile()) raw.files.push(entry.name);
    else if (entry.isDirectory()) raw.dirs.push(entry.name);
    else if (entry.isSymbolicLink()) raw.links.push(entry.name);
  }
  for (const name of ignoreFileNames)
    if (raw.files.includes(name) || raw.links.includes(name)) raw.ignoreFiles.add(name);
  raw.files.sort();
  raw.dirs.sort();
  raw.links.sort();
  return raw;
}

/** A short, stable reason for a file-system error, safe to show to a client (no absolute path). */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENAMETOOLONG":
      return "path too long for the operating system (PATH_MAX)";
    case "ELOOP":
      return "too many levels of symbolic links";
    default:
      return code ? `cannot be read (${code})` : "cannot be read";
  }
}

export function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function sameRaw(a: RawEntries, b: RawEntries): boolean {
  return (
    sameList(a.files, b.files) &&
    sameList(a.dirs, b.dirs) &&
    sameList(a.links, b.links) &&
    a.error === b.error
  );
}

/** Every directory node of the tree. */
export function nodesOf(root: DirNode): DirNode[] {
  const nodes: DirNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop() as DirNode;
    nodes.push(node);
    for (const child of node.children.values()) stack.push(child);
  }
  return nodes;
}

export function emptyNode(): DirNode {
  return {
    rel: "",
    abs: "",
    dev: 0n,
    ino: 0n,
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
    unreadableDirs: new Map(),
  };
}

/** A directory's own entry: visible names plus symlinks that resolve inside to something visible. */
export function entryOf(node: DirNode): DirectoryEntry {
  const files =
    node.linkFiles.length > 0 ? [...node.visibleFiles, ...node.linkFiles].sort() : node.visibleFiles;
  const directories =
    node.linkDirs.length > 0 ? [...node.visibleDirs, ...node.linkDirs].sort() : node.visibleDirs;
  return { directories, files };
}

/** The node of a directory by its real path relative to the root ("" is the root); undefined when not listed. */
export function findNode(root: DirNode, rel: string): DirNode | undefined {
  let node: DirNode | undefined = root;
  if (rel === "") return node;
  for (const segment of rel.split("/")) {
    node = node.children.get(segment);
    if (!node) return undefined;
  }
  return node;
}

/** Subdirectories of a node that were walked, in name order. */
export function* childrenOf(node: DirNode): Generator<[string, DirNode]> {
  for (const name of node.visibleDirs) {
    const child = node.children.get(name);
    if (child) yield [name, child];
  }
}

const joinRel = (dir: string, name: string) => (dir === "" ? name : `${dir}/${name}`);

/**
 * The answer shares arrays with the cached nodes: callers must treat it as read-only. Depth-first,
 * iteratively: a directory chain can be thousands of levels deep.
 */
export function buildSnapshot(root: DirNode): TreeSnapshot {
  const structure: Structure = Object.create(null) as Structure;
  const listed: [string, DirectoryEntry][] = [];
  const linked: string[] = [];
  const unreadable: Unreadable[] = [];
  const stack: DirNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as DirNode;
    const entry = entryOf(node);
    for (const name of node.linkFiles) linked.push(joinRel(node.rel, name));
    if (entry.files.length > 0 || entry.directories.length > 0) {
      structure[node.rel === "" ? "." : node.rel] = entry;
      listed.push([node.rel, entry]);
    }
    if (node.raw.error) unreadable.push({ path: node.rel === "" ? "." : node.rel, error: node.raw.error });
    for (const [name, error] of node.unreadableDirs)
      unreadable.push({ path: joinRel(node.rel, name), error });
    const children = [...childrenOf(node)];
    for (let i = children.length - 1; i >= 0; i--) stack.push((children[i] as [string, DirNode])[1]);
  }
  let files: string[] | undefined;
  let sorted: string[] | undefined;
  let links: Set<string> | undefined;
  const allFiles = () =>
    (files ??= listed.flatMap(([dir, entry]) => entry.files.map((name) => joinRel(dir, name))));
  return {
    structure,
    root,
    unreadable,
    files: allFiles,
    // Code-unit order (the default sort), so a page can resume at any path by binary search.
    sortedFiles: () => (sorted ??= [...allFiles()].sort()),
    links: () => (links ??= new Set(linked)),
  };
}
