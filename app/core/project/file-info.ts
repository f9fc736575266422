import { closeConfined, openConfined, type ConfinedFile, type Confinement } from "./confined-open.js";
import type { ContentStore } from "./content-store.js";
import type { LineIndexCache } from "./line-index.js";
import { normalizeRequestedPath } from "./paths.js";
import { AnswerBudget } from "./reader-budget.js";
import { errorMessage } from "./reader-errors.js";

/** Facts about one file: enough to decide how to read it. */
export type FileInfo =
  | {
      size: number;
      /** Absent for a binary file. */
      total_lines?: number;
      /** Last modification, ISO 8601 (UTC). */
      modified: string;
      binary: boolean;
    }
  | { error: string };

export interface FileInfoDeps {
  confinement: Confinement;
  store: ContentStore;
  lines: LineIndexCache;
}

export interface FileInfoAnswer {
  results: Record<string, FileInfo>;
  allMissing: boolean;
}

/** Size, line count, modification time and binary-or-text of each path; errors per path as in reads. */
export async function fileInfo(
  deps: FileInfoDeps,
  paths: readonly string[],
  options: { maxResponseChars: number },
): Promise<FileInfoAnswer> {
  const keys = [...new Set(paths)];
  // Entries are small and bounded; the budget only refuses a request whose paths alone do not fit.
  new AnswerBudget(options.maxResponseChars, keys, 0);
  const results = Object.create(null) as Record<string, FileInfo>;
  let anyFound = false;
  for (const key of keys) {
    let file: ConfinedFile | undefined;
    try {
      file = openConfined(deps.confinement, normalizeRequestedPath(key));
      results[key] = await describe(deps, file);
      anyFound = true;
    } catch (err) {
      results[key] = { error: errorMessage(err) };
    } finally {
      if (file) closeConfined(file);
    }
  }
  return { results, allMissing: !anyFound };
}

async function describe(deps: FileInfoDeps, file: ConfinedFile): Promise<FileInfo> {
  const head = deps.store.head(file);
  const modified = new Date(Number(file.stats.mtimeNs / 1_000_000n)).toISOString();
  if (head.binary) return { size: head.size, modified, binary: true };
  const index = await deps.lines.get(file, head.bytes.length === head.size ? head.bytes : undefined);
  return { size: head.size, total_lines: index.totalLines, modified, binary: false };
}
