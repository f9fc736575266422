import { realpathSync } from "node:fs";
import type { Confinement } from "./confined-open.js";
import { ContentStore } from "./content-store.js";
import { fileInfo, type FileInfoAnswer } from "./file-info.js";
import { nowNs } from "./file-signature.js";
import { IgnoreRules } from "./ignore-rules.js";
import { createListing, type FileListingRequest, type StructureListingRequest } from "./listing.js";
import type { FileListPage } from "./file-listing.js";
import type { StructureAnswer } from "./structure-listing.js";
import { LineIndexCache } from "./line-index.js";
import {
  DEFAULT_MAX_RESPONSE_CHARS,
  readFiles,
  type FileRequest,
  type ReadAnswer,
  type ReaderLimits,
} from "./reader.js";
import type { SearchRequest } from "../search/search-request.js";
import {
  DEFAULT_SEARCH_SETTINGS,
  SearchService,
  type SearchAnswer,
  type SearchEngines,
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
  readonly lineIndexStats: { hits: number; builds: number };
  /** Root and hiding rules for `openConfined` (confined-open.ts): the one way to open a project file. */
  readonly confinement: Confinement;
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
  /** Files or line ranges; the answer fits `maxResponseChars` (default 90,000) of JSON. */
  readFiles(requests: readonly FileRequest[], options?: { maxResponseChars?: number }): Promise<ReadAnswer>;
  fileInfo(paths: readonly string[], options?: { maxResponseChars?: number }): Promise<FileInfoAnswer>;
  search(request: SearchRequest, signal?: AbortSignal): Promise<SearchAnswer>;
  /** Starts the search workers ahead of the first search. */
  prepareSearch(): Promise<SearchEngines | undefined>;
  /** Resolves once the search workers are done filling their caches in the background. */
  searchSettled(): Promise<void>;
}

export function openProject(options: ProjectOptions): Project {
  const rootReal = realpathSync.native(options.root);
  const clockNs = options.clockNs ?? nowNs;
  const rules = new IgnoreRules(rootReal, options.ignoreFileNames, clockNs, options.onWarning);
  const confinement: Confinement = { rootReal, isHidden: (rel) => rules.isHidden(rel, false) };
  const store = new ContentStore({
    maxBytes: options.limits.maxFileBytes,
    cacheMaxBytes: options.cacheMaxBytes,
    clockNs,
  });
  // Line starts take 4 bytes a line. Indexes hold no content, so they stay on (8 MiB at least:
  // two million lines) even when the content cache is off: a range read never re-scans a file.
  const lines = new LineIndexCache(Math.max(Math.floor(options.cacheMaxBytes / 4), 8 << 20), clockNs);
  const budget = (o?: { maxResponseChars?: number }) => ({
    maxResponseChars: o?.maxResponseChars ?? DEFAULT_MAX_RESPONSE_CHARS,
  });
  const tree = new ProjectTree(rootReal, rules, { ...options, clockNs });
  const limits = options.limits;
  const listing = createListing({ rootReal, rules, tree });
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
    lineIndexStats: lines.stats,
    confinement,
    treeStats: tree.stats,
    structure: async () => (await tree.current()).structure,
    listStructure: (request) => listing.structure(request),
    listFiles: (request) => listing.files(request),
    watchesInstalled: () => tree.watchesInstalled(),
    close: () => {
      tree.close();
      search.close();
    },
    readFiles: (requests, o) => readFiles({ confinement, store, lines, limits }, requests, budget(o)),
    fileInfo: (paths, o) => fileInfo({ confinement, store, lines }, paths, budget(o)),
    search: (request, signal) => search.search(request, signal),
    prepareSearch: () => search.prepare(),
    searchSettled: () => search.settled(),
  };
}
