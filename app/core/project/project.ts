import { realpathSync } from "node:fs";
import { ContentStore } from "./content-store.js";
import { nowNs } from "./file-signature.js";
import { IgnoreRules } from "./ignore-rules.js";
import { readFiles, type FileResult, type ReaderLimits } from "./reader.js";
import { searchProject, type SearchLimits, type SearchRequest, type SearchResult } from "./search.js";
import { ProjectTree, type Structure } from "./tree.js";

export interface ProjectOptions {
  root: string;
  ignoreFileNames: readonly string[];
  limits: ReaderLimits & SearchLimits;
  cacheMaxBytes: number;
  /** Wall clock in nanoseconds (file-timestamp clock); tests move it forward to settle fresh files. */
  clockNs?: () => bigint;
}

/** Everything the Core may do with the project directory; knows nothing of HTTP. */
export interface Project {
  readonly rootReal: string;
  readonly cacheStats: { hits: number; misses: number };
  structure(): Promise<Structure>;
  readFiles(paths: string[]): { results: Record<string, FileResult>; allMissing: boolean };
  search(request: SearchRequest): Promise<SearchResult>;
}

export function openProject(options: ProjectOptions): Project {
  const rootReal = realpathSync.native(options.root);
  const clockNs = options.clockNs ?? nowNs;
  const rules = new IgnoreRules(rootReal, options.ignoreFileNames, clockNs);
  const store = new ContentStore(options.limits.maxFileBytes, options.cacheMaxBytes, clockNs);
  const tree = new ProjectTree(rootReal, rules, clockNs);
  const limits = options.limits;
  return {
    rootReal,
    cacheStats: store.stats,
    structure: async () => (await tree.current()).structure,
    readFiles: (paths) => readFiles({ rootReal, rules, store, limits }, paths),
    search: (request) => searchProject({ rootReal, rules, store, tree, limits }, request),
  };
}
