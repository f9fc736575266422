import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface BenchProject {
  root: string;
  /** files the POST /files/content requests ask for */
  contentPaths: string[];
  cleanup(): void;
}

/**
 * A small but realistic project to serve: 20 directories of 10 TypeScript files each (about
 * 2 KiB apiece), a README and an ignored build folder.
 */
export function createBenchProject(): BenchProject {
  const root = mkdtempSync(join(tmpdir(), "cq-bench-project-"));
  const line = (i: number) => `export const value${i} = ${i}; // a line of ordinary source code\n`;
  const source = Array.from({ length: 40 }, (_, i) => line(i)).join("");
  for (let d = 0; d < 20; d++) {
    const dir = join(root, "src", `module${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 10; f++) writeFileSync(join(dir, `file${f}.ts`), source);
  }
  writeFileSync(join(root, "README.md"), "# Bench project\n\nServed by the Core during `make bench`.\n");
  writeFileSync(join(root, ".gitignore"), "dist/\n");
  mkdirSync(join(root, "dist"));
  writeFileSync(join(root, "dist", "bundle.js"), "ignored();\n");
  return {
    root,
    contentPaths: ["README.md", "src/module0/file0.ts", "src/module7/file3.ts"],
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
