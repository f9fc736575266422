import { readdirSync } from "node:fs";
import type { Signature } from "./file-signature.js";
import type { DirRules } from "./ignore-rules.js";

/** `{ ".": {directories, files}, "src": {...} }`: one entry per non-empty visible directory. */
export type Structure = Record<string, { directories: string[]; files: string[] }>;

export interface TreeSnapshot {
  structure: Structure;
  /** Every visible file, relative to the root, in listing order (built on first use). */
  files(): string[];
}

export interface RawEntries {
  files: string[];
  dirs: string[];
  links: string[];
  /** Ignore-file names among `files`. */
  ignoreFiles: Set<string>;
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
}

/** One directory's entries by kind, names sorted; unreadable directories read as empty. */
export function readRaw(abs: string, ignoreFileNames: readonly string[]): RawEntries {
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

export function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function sameRaw(a: RawEntries, b: RawEntries): boolean {
  return sameList(a.files, b.files) && sameList(a.dirs, b.dirs) && sameList(a.links, b.links);
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
  };
}

/** The answer shares arrays with the cached nodes: callers must treat it as read-only. */
export function buildSnapshot(root: DirNode): TreeSnapshot {
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
