import { statSync } from "node:fs";
import { BadRequestError, NotFoundError } from "../../common/errors.js";
import type { IgnoreRules } from "./ignore-rules.js";
import { normalizeRequestedPath, PathRefusedError, resolveInsideRoot } from "./paths.js";
import { findNode, type DirNode, type TreeSnapshot, type Unreadable } from "./tree-node.js";

/** A directory to list, as the client named it and as the tree holds it. */
export interface ListingTarget {
  /** The requested path, normalised ("" for the root): answers are keyed under it. */
  prefix: string;
  /** Its real path relative to the root (differs from `prefix` through a symlinked directory). */
  realRel: string;
  node: DirNode;
}

export interface ListingDeps {
  rootReal: string;
  rules: IgnoreRules;
}

/**
 * Resolves a listing's `path` with the rules of file reads: relative, no `..`, confined to the root
 * (symlinks included), not hidden by the deny list or ignore files. A missing or hidden directory
 * is a 404 (the answer does not tell them apart); a bad or escaping path, or a file, is a 400.
 */
export function resolveListingTarget(
  deps: ListingDeps,
  snapshot: TreeSnapshot,
  path: string | undefined,
): ListingTarget {
  let prefix: string;
  let realRel: string;
  try {
    prefix = normalizeRequestedPath(path ?? "");
    if (prefix === "") return { prefix, realRel: "", node: snapshot.root };
    realRel = resolveInsideRoot(deps.rootReal, prefix).realRel;
  } catch (error) {
    if (!(error instanceof PathRefusedError)) throw error;
    if (error.problem === "missing") throw new NotFoundError(`Directory not found: ${path}`);
    throw new BadRequestError(`path: ${error.message}`);
  }
  if (deps.rules.isHidden(prefix, true) || (realRel !== prefix && deps.rules.isHidden(realRel, true)))
    throw new NotFoundError(`Directory not found: ${path}`);
  const node = findNode(snapshot.root, realRel);
  if (node) return { prefix, realRel, node };
  const unreadable = snapshot.unreadable.find((u) => u.path === realRel);
  if (unreadable) throw new NotFoundError(`Directory cannot be read (${unreadable.error}): ${path}`);
  if (isFile(deps.rootReal, realRel))
    throw new BadRequestError(`path must be a directory: ${path} is a file (read it instead)`);
  throw new NotFoundError(`Directory not found: ${path}`);
}

function isFile(rootReal: string, realRel: string): boolean {
  try {
    return statSync(`${rootReal}/${realRel}`).isFile();
  } catch {
    return false;
  }
}

/** Longest path shown in a report: longer ones (past PATH_MAX) are elided in the middle. */
const MAX_REPORTED_PATH = 300;
/** Most unreadable directories named in one answer. */
export const MAX_REPORTED_UNREADABLE = 10;

/** What the answers say about unreadable directories under the target: a count and the first few. */
export interface UnreadableReport {
  count: number;
  directories: Unreadable[];
}

/** Unreadable directories under (or at) the target, named as the client named the target. */
export function unreadableUnder(snapshot: TreeSnapshot, target: ListingTarget): UnreadableReport | undefined {
  const { realRel, prefix } = target;
  const under = snapshot.unreadable.filter(
    (u) => realRel === "" || u.path === realRel || u.path.startsWith(`${realRel}/`),
  );
  if (under.length === 0) return undefined;
  const directories = under.slice(0, MAX_REPORTED_UNREADABLE).map((u) => ({
    path: elide(realRel === "" ? u.path : `${prefix}${u.path.slice(realRel.length)}`),
    error: u.error,
  }));
  return { count: under.length, directories };
}

function elide(path: string): string {
  if (path.length <= MAX_REPORTED_PATH) return path;
  return `${path.slice(0, 150)}…${path.slice(-(MAX_REPORTED_PATH - 151))}`;
}
