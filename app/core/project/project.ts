import { realpathSync } from "node:fs";
import { ContentStore } from "./content-store.js";
import { nowNs } from "./file-signature.js";
import { IgnoreRules } from "./ignore-rules.js";
import { readFiles, type FileResult, type ReaderLimits } from "./reader.js";
import type { SearchRequest } from "../search/search-request.js";
import {
  DEFAULT_SEARCH_SETTINGS,
  SearchService,
  type SearchAnswer,
  type SearchSettings,
} from "../search/search-service.js";
import { ProjectTree, type Structure, type TreeOptions, type TreeStats } from "./tree.js";

/** `clockNs` (the file-timestamp clock) is shared with the content cache; tests move it forward to settle fresh files. */
export interface ProjectOptions extends TreeOptions {
  root: string;
  ignoreFileNames: readonly string[];
  limits: ReaderLimits & SearchLimits;
  cacheMaxBytes: number;
  /** Search deadline, scan caps, workers and cache (defaults: DEFAULT_SEARCH_SETTINGS). */
  search?: Partial<Omit<SearchSettings, keyof SearchLimits | "maxQueryLength" | "maxResults">>;
}

export interface SearchLimits {
  maxResults: number;
  maxFiles: number;
  maxQueryLength: number;
}

/** Everything the Core may do with the project directory; knows nothing of HTTP. */
export interface Project {
  readonly rootReal: string;
  readonly cacheStats: { hits: number; misses: number };
  readonly treeStats: TreeStats;
  structure(): Promise<Structure>;
  /** Resolves once the directory watches of the last listing are in place. */
  watchesInstalled(): Promise<void>;
  /** Stops watching the directory. */
  close(): void;
  readFiles(paths: string[]): { results: Record<string, FileResult>; allMissing: boolean };
  search(request: SearchRequest, signal?: AbortSignal): Promise<SearchAnswer>;
  /** Starts the search workers ahead of the first search. */
  prepareSearch(): Promise<void>;
}

export function openProject(options: ProjectOptions): Project {
  const rootReal = realpathSync.native(options.root);
  const clockNs = options.clockNs ?? nowNs;
  const rules = new IgnoreRules(rootReal, options.ignoreFileNames, clockNs);
  const store = new ContentStore(options.limits.maxFileBytes, options.cacheMaxBytes, clockNs);
  const tree = new ProjectTree(rootReal, rules, { ...options, clockNs });
  const limits = options.limits;
  const search = new SearchService({
    rootReal,
    ignoreFileNames: options.ignoreFileNames,
    snapshot: () => tree.current(),
    settings: {
      ...DEFAULT_SEARCH_SETTINGS,
      ...options.search,
      maxResults: limits.maxResults,
      maxFiles: limits.maxFiles,
      maxQueryLength: limits.maxQueryLength,
    },
  });
  return {
    rootReal,
    cacheStats: store.stats,
    treeStats: tree.stats,
    structure: async () => (await tree.current()).structure,
    watchesInstalled: () => tree.watchesInstalled(),
    close: () => {
      tree.close();
      search.close();
    },
    readFiles: (paths) => readFiles({ rootReal, rules, store, limits }, paths),
    search: (request, signal) => search.search(request, signal),
    prepareSearch: () => search.prepare(),
  };
}
