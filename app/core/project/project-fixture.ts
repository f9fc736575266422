import { openProject, type Project, type ProjectOptions } from "./project.js";
import type { WatchMode } from "./tree.js";

export const TEST_LIMITS = {
  maxFileBytes: 1024,
  maxFilesPerRequest: 5,
  maxRequestBytes: 4096,
  maxResults: 20,
  maxFiles: 1000,
  maxQueryLength: 64,
};

const opened: Project[] = [];

/** Closes every project opened with openTestProject (their directory watches) — call in afterEach. */
export function closeTestProjects(): void {
  for (const project of opened.splice(0)) project.close();
}

/** Opens a project with small limits; `clock` lets a test settle fresh files without sleeping. */
export function openTestProject(
  root: string,
  options: {
    ignoreFileNames?: string[];
    clockNs?: () => bigint;
    limits?: Partial<typeof TEST_LIMITS>;
    watch?: WatchMode;
    maxWatchedDirs?: number;
    onWarning?: (message: string) => void;
    search?: ProjectOptions["search"];
  } = {},
): Project {
  const project = openProject({
    root,
    ignoreFileNames: options.ignoreFileNames ?? [".agentignore", ".gitignore"],
    limits: { ...TEST_LIMITS, ...options.limits },
    cacheMaxBytes: 1024 * 1024,
    ...(options.clockNs ? { clockNs: options.clockNs } : {}),
    ...(options.watch ? { watch: options.watch } : {}),
    ...(options.maxWatchedDirs ? { maxWatchedDirs: options.maxWatchedDirs } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    ...(options.search ? { search: options.search } : {}),
  });
  opened.push(project);
  return project;
}

/** Paths of every visible file in a structure answer. */
export function listedFiles(structure: Record<string, { files: string[] }>): string[] {
  return Object.entries(structure).flatMap(([dir, entry]) =>
    entry.files.map((f) => (dir === "." ? f : `${dir}/${f}`)),
  );
}
