import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface GeneratedTree {
  fileCount: number;
  dirCount: number;
  /** 100 files with real content, for the batch read. */
  sampleFiles: string[];
}

/**
 * A synthetic project: `top` × `sub` directories of `perDir` files each, plus a .gitignore and
 * an ignored directory per top-level folder, so ignore rules are exercised. Files are empty
 * except a sample of 100 (empty files cost inodes, not data blocks).
 */
export function generateTree(root: string, top = 100, sub = 20, perDir = 50): GeneratedTree {
  writeFileSync(join(root, ".gitignore"), "*.tmp\nbuild/\n");
  const sampleFiles: string[] = [];
  const body = "export const value = 42; // a line of source code to read back\n".repeat(40);
  let fileCount = 0;
  let dirCount = 0;
  for (let t = 0; t < top; t++) {
    for (let s = 0; s < sub; s++) {
      const dir = join(root, `pkg${t}`, `mod${s}`);
      mkdirSync(dir, { recursive: true });
      dirCount++;
      for (let f = 0; f < perDir; f++) {
        const rel = `pkg${t}/mod${s}/file${f}.ts`;
        const sample = f === 0 && s === 0;
        writeFileSync(join(root, rel), sample ? body : "");
        if (sample) sampleFiles.push(rel);
        fileCount++;
      }
    }
    mkdirSync(join(root, `pkg${t}`, "build"));
    writeFileSync(join(root, `pkg${t}`, "build", "out.js"), "");
    writeFileSync(join(root, `pkg${t}`, "scratch.tmp"), "");
  }
  return { fileCount, dirCount, sampleFiles };
}
