import { afterEach, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { isInside, normalizeRequestedPath, PathRefusedError, resolveInsideRoot } from "./paths.js";

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

function refusal(fn: () => unknown): PathRefusedError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PathRefusedError) return err;
    throw err;
  }
  throw new Error("expected the path to be refused");
}

describe("normalizeRequestedPath", () => {
  it("normalises ./ and repeated slashes", () => {
    expect(normalizeRequestedPath("./src//a.ts")).toBe("src/a.ts");
    expect(normalizeRequestedPath(".")).toBe("");
  });

  it("refuses absolute paths", () => {
    expect(refusal(() => normalizeRequestedPath("/etc/passwd")).message).toMatch(/Absolute paths/);
    expect(refusal(() => normalizeRequestedPath("C:\\Windows\\win.ini")).problem).toBe("invalid");
    expect(refusal(() => normalizeRequestedPath("~/.ssh/id_rsa")).problem).toBe("invalid");
  });

  it("refuses .. segments, also in the middle of a path", () => {
    expect(refusal(() => normalizeRequestedPath("../outside/secret.txt")).message).toMatch(/'\.\.'/);
    expect(refusal(() => normalizeRequestedPath("a/../../x")).problem).toBe("invalid");
    expect(refusal(() => normalizeRequestedPath("a/..")).problem).toBe("invalid");
  });

  it("refuses NUL bytes", () => {
    expect(refusal(() => normalizeRequestedPath("a.txt\0.png")).message).toMatch(/NUL/);
  });

  it("refuses anything but a string", () => {
    expect(refusal(() => normalizeRequestedPath(42)).problem).toBe("invalid");
  });

  it("takes percent-encoded sequences literally instead of decoding them", () => {
    expect(normalizeRequestedPath("%2e%2e/%2e%2e/etc/passwd")).toBe("%2e%2e/%2e%2e/etc/passwd");
  });
});

describe("isInside", () => {
  it("checks on a separator boundary, so a sibling sharing the prefix is outside", () => {
    expect(isInside("/srv/allowed", "/srv/allowed/a")).toBe(true);
    expect(isInside("/srv/allowed", "/srv/allowed")).toBe(true);
    expect(isInside("/srv/allowed", "/srv/allowed-evil/a")).toBe(false);
    expect(isInside("/srv/allowed", "/srv/allowedx")).toBe(false);
  });
});

describe("resolveInsideRoot", () => {
  it("resolves a file inside the root", () => {
    project = createTempProject({ "src/a.ts": "a" });
    expect(resolveInsideRoot(project.root, "src/a.ts").realRel).toBe("src/a.ts");
  });

  it("refuses a symlinked file that leads outside", () => {
    project = createTempProject();
    project.symlink("link.txt", `${project.outside}/secret.txt`);
    expect(refusal(() => resolveInsideRoot(project!.root, "link.txt")).problem).toBe("outside");
  });

  it("refuses a file under a symlinked directory that leads outside", () => {
    project = createTempProject();
    project.symlink("linked", `${project.outside}/dir`);
    expect(refusal(() => resolveInsideRoot(project!.root, "linked/inner.txt")).problem).toBe("outside");
  });

  it("reports a missing file under an escaping symlinked directory as outside", () => {
    project = createTempProject();
    project.symlink("linked", `${project.outside}/dir`);
    expect(refusal(() => resolveInsideRoot(project!.root, "linked/nope/none.txt")).problem).toBe("outside");
  });

  it("refuses a symlink into a sibling directory that shares the root's name as prefix", () => {
    project = createTempProject({}, "allowed");
    project.write("../allowed-evil/x.txt", "evil");
    project.symlink("x.txt", `${project.base}/allowed-evil/x.txt`);
    expect(refusal(() => resolveInsideRoot(project!.root, "x.txt")).problem).toBe("outside");
  });

  it("follows a symlink that stays inside the root", () => {
    project = createTempProject({ "real/b.txt": "b" });
    project.symlink("alias.txt", "real/b.txt");
    expect(resolveInsideRoot(project.root, "alias.txt").realRel).toBe("real/b.txt");
  });

  it("reports a missing file as missing", () => {
    project = createTempProject();
    expect(refusal(() => resolveInsideRoot(project!.root, "nope.txt")).problem).toBe("missing");
  });
});
