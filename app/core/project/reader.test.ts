import { afterEach, describe, expect, it } from "vitest";
import { BadRequestError } from "../../common/errors.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { closeTestProjects, openTestProject } from "./project-fixture.js";
import { parseFilePaths } from "./reader.js";

let project: TempProject | undefined;
afterEach(() => {
  closeTestProjects();
  project?.cleanup();
});

function read(paths: string[], limits = {}) {
  return openTestProject(project!.root, { limits }).readFiles(paths);
}

describe("reading files", () => {
  it("returns {content} for a normal file, keyed by the requested path", () => {
    project = createTempProject({ "src/a.ts": "export const a = 1;\n" });
    expect(read(["src/a.ts", "./src/a.ts"]).results).toEqual({
      "src/a.ts": { content: "export const a = 1;\n" },
      "./src/a.ts": { content: "export const a = 1;\n" },
    });
  });

  it("gives a directory a per-file error", () => {
    project = createTempProject({ "src/a.ts": "a", "b.txt": "b" });
    const { results, allMissing } = read(["src", "b.txt"]);
    expect(results.src).toEqual({ error: "Path is a directory or not a regular file" });
    expect(allMissing).toBe(false);
  });

  it("reports allMissing when no file could be read", () => {
    project = createTempProject({ "a.txt": "a" });
    const { results, allMissing } = read(["nope.txt", "../outside/secret.txt"]);
    expect(allMissing).toBe(true);
    expect(results["nope.txt"]).toEqual({ error: "File not found" });
  });

  it("refuses an absolute path with a per-file error", () => {
    project = createTempProject({ "a.txt": "a" });
    expect(read([`${project.outside}/secret.txt`]).results[`${project.outside}/secret.txt`]).toEqual({
      error: "Absolute paths are not allowed: give a path relative to the project root",
    });
  });

  it("refuses .. escapes, a/../../x included", () => {
    project = createTempProject({ "a/x.txt": "x" });
    const { results } = read(["../outside/secret.txt", "a/../../outside/secret.txt"]);
    expect(results["../outside/secret.txt"]).toEqual({ error: "Path must not contain '..'" });
    expect(results["a/../../outside/secret.txt"]).toEqual({ error: "Path must not contain '..'" });
  });

  it("refuses a NUL byte", () => {
    project = createTempProject({ "a.txt": "a" });
    expect(read(["a.txt\0../../etc/passwd"]).results["a.txt\0../../etc/passwd"]).toEqual({
      error: "Path must not contain NUL bytes",
    });
  });

  it("does not decode percent-encoded traversal", () => {
    project = createTempProject({ "a.txt": "a" });
    const tricks = [
      "%2e%2e/outside/secret.txt",
      "..%2foutside%2fsecret.txt",
      "%252e%252e/outside/secret.txt",
    ];
    const { results } = read(tricks);
    for (const trick of tricks) expect(results[trick]).toEqual({ error: "File not found" });
  });

  it("refuses a symlinked file that leads outside", () => {
    project = createTempProject({ "a.txt": "a" });
    project.symlink("link.txt", `${project.outside}/secret.txt`);
    expect(read(["link.txt"]).results["link.txt"]).toEqual({ error: "Path is outside the project" });
  });

  it("refuses a file under a symlinked directory that leads outside", () => {
    project = createTempProject({ "a.txt": "a" });
    project.symlink("linked", `${project.outside}/dir`);
    expect(read(["linked/inner.txt"]).results["linked/inner.txt"]).toEqual({
      error: "Path is outside the project",
    });
  });

  it("refuses the /allowed-evil prefix trick", () => {
    project = createTempProject({ "a.txt": "a" }, "allowed");
    project.write("../allowed-evil/secret.txt", "evil");
    project.symlink("evil.txt", `${project.base}/allowed-evil/secret.txt`);
    expect(read(["evil.txt"]).results["evil.txt"]).toEqual({ error: "Path is outside the project" });
  });

  it("hides ignored and deny-listed files, also behind an innocent-looking symlink", () => {
    project = createTempProject({
      ".gitignore": "private/\n",
      "private/p.txt": "p",
      ".env": "SECRET=1",
      "a.txt": "a",
    });
    project.symlink("innocent.txt", ".env");
    const { results } = read(["private/p.txt", ".env", "innocent.txt", "a.txt"]);
    expect(results["private/p.txt"]).toEqual({ error: "File not found" });
    expect(results[".env"]).toEqual({ error: "File not found" });
    expect(results["innocent.txt"]).toEqual({ error: "File not found" });
  });

  it("truncates a file above MAX_FILE_BYTES and says so", () => {
    project = createTempProject({ "big.txt": "x".repeat(3000) });
    expect(read(["big.txt"]).results["big.txt"]).toEqual({
      content: "x".repeat(1024),
      truncated: true,
      size: 3000,
    });
  });

  it("does not cut a multi-byte character in half when truncating", () => {
    project = createTempProject({ "utf.txt": "é".repeat(1000) });
    const result = read(["utf.txt"]).results["utf.txt"] as { content: string };
    expect(result.content).toBe("é".repeat(512));
  });

  it("reports a binary file instead of dumping it", () => {
    project = createTempProject({ "img.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]) });
    expect(read(["img.png"]).results["img.png"]).toEqual({
      error: "Binary file: content not shown",
      binary: true,
      size: 7,
    });
  });

  it("stops at MAX_REQUEST_BYTES: truncates the file that crosses it and skips the rest", () => {
    project = createTempProject({ "a.txt": "a".repeat(1000), "b.txt": "b".repeat(1000), "c.txt": "c" });
    const { results } = read(["a.txt", "b.txt", "c.txt"], { maxRequestBytes: 1500 });
    expect(results["a.txt"]).toEqual({ content: "a".repeat(1000) });
    expect(results["b.txt"]).toEqual({ content: "b".repeat(500), truncated: true, size: 1000 });
    expect(results["c.txt"]).toMatchObject({
      skipped: true,
      error: expect.stringMatching(/request this file separately/),
    });
  });
});

describe("parseFilePaths", () => {
  it.each([
    [undefined, /required/],
    ["a.txt", /must be a list/],
    [[], /must not be empty/],
    [["a", 1], /only strings/],
    [["1", "2", "3", "4", "5", "6"], /Too many files: at most 5/],
  ])("refuses %j", (value, message) => {
    expect(() => parseFilePaths(value, 5)).toThrow(BadRequestError);
    expect(() => parseFilePaths(value, 5)).toThrow(message);
  });
});
