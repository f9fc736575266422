import { execFileSync } from "node:child_process";
import { closeSync, openSync, readFileSync, renameSync, statSync, symlinkSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { locateKoffi, NoFollowOpener } from "./no-follow-opener.js";

/**
 * The opener behind a cold search: files opened from a root descriptor without following any
 * symlink. These tests need Linux (the only platform it serves; elsewhere `create` is undefined
 * and the node:fs path, tested by the search suites, takes over).
 */
const linux = process.platform === "linux" && (process.arch === "x64" || process.arch === "arm64");

let project: TempProject | undefined;
let opener: NoFollowOpener | undefined;

afterEach(() => {
  opener?.close();
  opener = undefined;
  project?.cleanup();
  project = undefined;
});

function openerFor(files: Record<string, string | Buffer>): { p: TempProject; o: NoFollowOpener } {
  project = createTempProject(files);
  opener = NoFollowOpener.create(project.root, locateKoffi());
  if (!opener) throw new Error("the no-follow opener did not load on this platform");
  return { p: project, o: opener };
}

function contentOf(o: NoFollowOpener, rel: string): string | undefined {
  const file = o.open(rel);
  if (!file) return undefined;
  try {
    const buf = Buffer.alloc(file.size);
    const n = o.read(file.fd, buf, 0);
    return buf.subarray(0, n).toString("utf8");
  } finally {
    o.closeFile(file.fd);
  }
}

describe.runIf(linux)("opening listed files without following symlinks", () => {
  it("is found where koffi is installed", () => {
    expect(locateKoffi()).toMatch(/koffi/);
  });

  it("reads files at the root and in nested directories, in any order", () => {
    const { o } = openerFor({
      "top.txt": "top\n",
      "a/b/c.txt": "deep\n",
      "a/d.txt": "mid\n",
      "z/e.txt": "z\n",
    });
    expect(contentOf(o, "a/b/c.txt")).toBe("deep\n");
    expect(contentOf(o, "top.txt")).toBe("top\n");
    expect(contentOf(o, "a/d.txt")).toBe("mid\n");
    expect(contentOf(o, "z/e.txt")).toBe("z\n");
    expect(contentOf(o, "a/b/c.txt")).toBe("deep\n");
  });

  it("gives the signature Node's stat gives, to the nanosecond (the cache compares them)", () => {
    const { p, o } = openerFor({ "a.txt": "x".repeat(12345), "dir/b.txt": "" });
    utimesSync(join(p.root, "a.txt"), 1_700_000_000.123456, 1_600_000_000.987654);
    for (const rel of ["a.txt", "dir/b.txt"]) {
      const node = statSync(join(p.root, rel));
      const expected = { ino: node.ino, size: node.size, mtimeMs: node.mtimeMs, ctimeMs: node.ctimeMs };
      const file = o.open(rel)!;
      o.closeFile(file.fd);
      expect({ ino: file.ino, size: file.size, mtimeMs: file.mtimeMs, ctimeMs: file.ctimeMs }).toEqual(
        expected,
      );
      expect(o.stat(rel)).toEqual(expected);
    }
  });

  it("refuses a file that is a symlink, even to a file inside the project", () => {
    const { p, o } = openerFor({ "real.txt": "real\n" });
    p.symlink("inside-link.txt", "real.txt");
    p.symlink("outside-link.txt", `${p.outside}/secret.txt`);
    expect(o.open("inside-link.txt")).toBeUndefined();
    expect(o.open("outside-link.txt")).toBeUndefined();
    expect(o.stat("outside-link.txt")).toBeUndefined();
  });

  it("refuses a path through a symlinked directory", () => {
    const { p, o } = openerFor({ "real/f.txt": "f\n" });
    p.symlink("out", `${p.outside}/dir`);
    p.symlink("alias", "real");
    expect(o.open("out/inner.txt")).toBeUndefined();
    expect(o.open("alias/f.txt")).toBeUndefined();
    expect(o.stat("out/inner.txt")).toBeUndefined();
  });

  it("refuses what is not a regular file, and what is gone", () => {
    const { p, o } = openerFor({ "dir/f.txt": "f\n" });
    execFileSync("mkfifo", [join(p.root, "pipe")]);
    expect(o.open("dir")).toBeUndefined();
    expect(o.open("pipe")).toBeUndefined();
    expect(o.stat("pipe")).toBeUndefined();
    expect(o.open("missing.txt")).toBeUndefined();
    expect(o.open("nodir/f.txt")).toBeUndefined();
  });

  it("follows a directory swapped for a symlink nowhere: the next open is refused", () => {
    const { p, o } = openerFor({ "swap/inner.txt": "SAFE\n", "other/x.txt": "x\n" });
    expect(contentOf(o, "swap/inner.txt")).toBe("SAFE\n");
    expect(contentOf(o, "other/x.txt")).toBe("x\n");
    renameSync(join(p.root, "swap"), join(p.root, "swap.old"));
    symlinkSync(`${p.outside}/dir`, join(p.root, "swap"));
    expect(contentOf(o, "swap/inner.txt")).toBeUndefined();
  });

  it("opens the root it was given, and nothing when that root is not a real directory", () => {
    project = createTempProject({ "a.txt": "a\n" });
    symlinkSync(project.root, join(project.base, "root-link"));
    expect(NoFollowOpener.create(join(project.base, "root-link"), locateKoffi())).toBeUndefined();
    expect(NoFollowOpener.create(join(project.root, "a.txt"), locateKoffi())).toBeUndefined();
    expect(NoFollowOpener.create(project.root, undefined)).toBeUndefined();
  });

  it("closes every descriptor it opened", () => {
    const { o } = openerFor({ "a/b/c.txt": "c\n", "a/d.txt": "d\n", "e.txt": "e\n" });
    const probe = () => {
      const fd = openSync(process.execPath, "r");
      closeSync(fd);
      return fd;
    };
    const before = probe();
    for (let i = 0; i < 50; i++) for (const rel of ["a/b/c.txt", "e.txt", "a/d.txt"]) contentOf(o, rel);
    o.release();
    expect(probe()).toBe(before);
    expect(readFileSync(join(project!.root, "e.txt"), "utf8")).toBe("e\n");
  });
});
