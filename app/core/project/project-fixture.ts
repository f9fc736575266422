import { openProject, type Project } from "./project.js";

export const TEST_LIMITS = {
  maxFileBytes: 1024,
  maxFilesPerRequest: 5,
  maxRequestBytes: 4096,
  maxResults: 20,
  maxFiles: 1000,
  maxQueryLength: 64,
};

/** Opens a project with small limits; `clock` lets a test settle fresh files without sleeping. */
export function openTestProject(
  root: string,
  options: { ignoreFileNames?: string[]; clockNs?: () => bigint; limits?: Partial<typeof TEST_LIMITS> } = {},
): Project {
  return openProject({
    root,
    ignoreFileNames: options.ignoreFileNames ?? [".agentignore", ".gitignore"],
    limits: { ...TEST_LIMITS, ...options.limits },
    cacheMaxBytes: 1024 * 1024,
    ...(options.clockNs ? { clockNs: options.clockNs } : {}),
  });
}

/** Paths of every visible file in a structure answer. */
export function listedFiles(structure: Record<string, { files: string[] }>): string[] {
  return Object.entries(structure).flatMap(([dir, entry]) =>
    entry.files.map((f) => (dir === "." ? f : `${dir}/${f}`)),
  );
}
