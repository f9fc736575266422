import { execFileSync } from "node:child_process";
import { readSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import {
  closeConfined,
  descriptorCheck,
  HiddenFileError,
  NotAFileError,
  openConfined,
  openConfinedReal,
  type Confinement,
} from "./confined-open.js";
import { IgnoreRules } from "./ignore-rules.js";
import { PathRefusedError } from "./paths.js";

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

function confinementOf(root: string): Confinement {
  const rules = new IgnoreRules(root, [".gitignore"]);
  return { rootReal: root, isHidden: (rel) => rules.isHidden(rel, false) };
}

function contentOf(confinement: Confinement, rel: string): string {
  const file = openConfined(confinement, rel);
  try {
    const buffer = Buffer.alloc(Number(file.stats.size));
    readSync(file.fd, buffer, 0, buffer.length, 0);
    return buffer.toString("utf8");
  } finally {
    closeConfined(file);
  }
}

describe("openConfined", () => {
  it("opens a project file and a symlink that stays inside, reporting the real path", () => {
    project = createTempProject({ "src/a.txt": "a" });
    project.symlink("alias.txt", "src/a.txt");
    const confinement = confinementOf(project.root);
    expect(contentOf(confinement, "alias.txt")).toBe("a");
    const file = openConfined(confinement, "alias.txt");
    closeConfined(file);
    expect(file.realRel).toBe("src/a.txt");
    expect(file.realPath).toBe(join(project.root, "src/a.txt"));
  });

  it("refuses a symlink, or a file under a symlinked directory, that leads outside", () => {
    project = createTempProject({ "a.txt": "a" });
    project.symlink("out.txt", `${project.outside}/secret.txt`);
    project.symlink("outdir", `${project.outside}/dir`);
    const confinement = confinementOf(project.root);
    expect(() => openConfined(confinement, "out.txt")).toThrow(PathRefusedError);
    expect(() => openConfined(confinement, "outdir/inner.txt")).toThrow(PathRefusedError);
  });

  it("refuses a deny-listed or ignored file, also behind a symlink", () => {
    project = createTempProject({ ".env": "S=1", ".gitignore": "private.txt\n", "private.txt": "p" });
    project.symlink("innocent.txt", ".env");
    project.symlink("plain.txt", "private.txt");
    const confinement = confinementOf(project.root);
    for (const rel of [".env", "innocent.txt", "private.txt", "plain.txt"]) {
      expect(() => openConfined(confinement, rel)).toThrow(HiddenFileError);
    }
  });

  it("refuses a directory, the root and a FIFO without hanging", () => {
    project = createTempProject({ "dir/a.txt": "a" });
    execFileSync("mkfifo", [join(project.root, "pipe")]);
    const confinement = confinementOf(project.root);
    expect(() => openConfined(confinement, "dir")).toThrow(NotAFileError);
    expect(() => openConfined(confinement, "")).toThrow(NotAFileError);
    expect(() => openConfined(confinement, "pipe")).toThrow(NotAFileError);
  });

  it("refuses a real path outside the root, the /allowed-evil sibling included", () => {
    project = createTempProject({ "a.txt": "a" }, "allowed");
    project.write("../allowed-evil/x.txt", "evil");
    const confinement = confinementOf(project.root);
    expect(() => openConfinedReal(confinement, `${project!.base}/allowed-evil/x.txt`)).toThrow(
      PathRefusedError,
    );
    expect(() => openConfinedReal(confinement, `${project!.outside}/secret.txt`)).toThrow(PathRefusedError);
    expect(contentOf(confinement, "a.txt")).toBe("a");
  });

  it("verifies descriptors by their /proc path on Linux", () => {
    project = createTempProject({ "a.txt": "a" });
    expect(descriptorCheck(project.root)).toBe(
      process.platform === "linux" ? "proc-fd-path" : "device-and-inode",
    );
  });
});
