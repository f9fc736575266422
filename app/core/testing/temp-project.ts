import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A real temporary directory holding a project (and, beside it, an "outside" directory). */
export interface TempProject {
  /** Parent of both `root` and `outside`. */
  base: string;
  root: string;
  outside: string;
  write(rel: string, content: string | Buffer): void;
  mkdir(rel: string): void;
  symlink(rel: string, target: string): void;
  remove(rel: string): void;
  cleanup(): void;
}

export function createTempProject(
  files: Record<string, string | Buffer> = {},
  rootName = "project",
): TempProject {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "cq-core-")));
  const root = join(base, rootName);
  const outside = join(base, "outside");
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, "secret.txt"), "TOP SECRET OUTSIDE\n");
  mkdirSync(join(outside, "dir"));
  writeFileSync(join(outside, "dir", "inner.txt"), "OUTSIDE DIR FILE\n");
  const project: TempProject = {
    base,
    root,
    outside,
    write(rel, content) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), content);
    },
    mkdir(rel) {
      mkdirSync(join(root, rel), { recursive: true });
    },
    symlink(rel, target) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      symlinkSync(target, join(root, rel));
    },
    remove(rel) {
      rmSync(join(root, rel), { recursive: true, force: true });
    },
    cleanup() {
      rmSync(base, { recursive: true, force: true });
    },
  };
  for (const [rel, content] of Object.entries(files)) project.write(rel, content);
  return project;
}
