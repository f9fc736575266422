import { realpathSync } from "node:fs";
import { ContentStore } from "./content-store.js";
import { nowNs } from "./file-signature.js";
import { IgnoreRules } from "./ignore-rules.js";
import { createListing, type FileListingRequest, type StructureListingRequest } from "./listing.js";
import type { FileListPage } from "./file-listing.js";
import type { StructureAnswer } from "./structure-listing.js";
import { readFiles, type FileResult, type ReaderLimits } from "./reader.js";
import { searchProject, type SearchLimits, type SearchRequest, type SearchResult } from "./search.js";
import { ProjectTree, type Structure, type TreeOptions, type TreeStats } from "./tree.js";

/** `clockNs` (the file-timestamp clock) is shared with the content cache; tests move it forward to settle fresh files. */
export interface ProjectOptions extends TreeOptions {
  root: string;
  ignoreFileNames: readonly string[];
  limits: ReaderLimits & SearchLimits;
  cacheMaxBytes: number;
}

/** Everything the Core may do with the project directory; knows nothing of HTTP. */
export interface Project {
  readonly rootReal: string;
  readonly cacheStats: { hits: number; misses: number };
  readonly treeStats: TreeStats;
  structure(): Promise<Structure>;
  /** The structure under a directory, to a depth, within an answer budget (`/files/structure`). */
  listStructure(request: StructureListingRequest): Promise<StructureAnswer>;
  /** One page of the visible files under a directory (`/files/list`). */
  listFiles(request: FileListingRequest): Promise<FileListPage>;
  /** Resolves once the directory watches of the last listing are in place. */
  watchesInstalled(): Promise<void>;
  /** Stops watching the directory. */
  close(): void;
  readFiles(paths: string[]): { results: Record<string, FileResult>; allMissing: boolean };
  search(request: SearchRequest): Promise<SearchResult>;
}

export function openProject(options: ProjectOptions): Project {
  const rootReal = realpathSync.native(options.root);
  const clockNs = options.clockNs ?? nowNs;
  const rules = new IgnoreRules(rootReal, options.ignoreFileNames, clockNs, options.onWarning);
  const store = new ContentStore(options.limits.maxFileBytes, options.cacheMaxBytes, clockNs);
  const tree = new ProjectTree(rootReal, rules, { ...options, clockNs });
  const limits = options.limits;
  const listing = createListing({ rootReal, rules, tree });
  return {
    rootReal,
    cacheStats: store.stats,
    treeStats: tree.stats,
    structure: async () => (await tree.current()).structure,
    listStructure: (request) => listing.structure(request),
    listFiles: (request) => listing.files(request),
    watchesInstalled: () => tree.watchesInstalled(),
    close: () => tree.close(),
    readFiles: (paths) => readFiles({ rootReal, rules, store, limits }, paths),
    search: (request) => searchProject({ rootReal, rules, store, tree, limits }, request),
  };
}
