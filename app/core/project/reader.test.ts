import { afterEach, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { closeTestProjects, openTestProject } from "./project-fixture.js";
import type { FileRequest } from "./reader.js";

let project: TempProject | undefined;
afterEach(() => {
  closeTestProjects();
  project?.cleanup();
});

function read(paths: FileRequest[], limits = {}, maxResponseChars?: number) {
  return openTestProject(project!.root, { limits }).readFiles(
    paths,
    maxResponseChars ? { maxResponseChars } : {},
  );
}

/** The entry of a whole text file. */
function whole(content: string) {
  const lines = content === "" ? 0 : content.split("\n").length - (content.endsWith("\n") ? 1 : 0);
  return { content, total_lines: lines, start_line: 1, end_line: lines };
}

describe("reading files", () => {
  it("returns the content of a text file with its line count, keyed by the requested path", async () => {
    project = createTempProject({ "src/a.ts": "export const a = 1;\nexport const b = 2;\n" });
    expect((await read(["src/a.ts"])).results).toEqual({
      "src/a.ts": {
        content: "export const a = 1;\nexport const b = 2;\n",
        total_lines: 2,
        start_line: 1,
        end_line: 2,
      },
    });
  });

  it("reads one file spelled several ways once, the other spellings pointing at the first", async () => {
    project = createTempProject({ "src/a.ts": "a\n" });
    project.symlink("alias.ts", "src/a.ts");
    const spellings = ["src/a.ts", "./src/a.ts", "src//a.ts", "src/a.ts/", "./src/./a.ts", "alias.ts"];
    const { results } = await read(spellings);
    expect(results["src/a.ts"]).toEqual(whole("a\n"));
    for (const spelling of spellings.slice(1))
      expect(results[spelling]).toEqual({ duplicate_of: "src/a.ts" });
  });

  it("counts a file spelled several ways once in the byte budget", async () => {
    project = createTempProject({ "a.txt": "a".repeat(600), "b.txt": "b".repeat(300) });
    const { results } = await read(["a.txt", "./a.txt", "a.txt/", ".//a.txt", "b.txt"], {
      maxRequestBytes: 1000,
    });
    expect(results["b.txt"]).toEqual(whole("b".repeat(300)));
  });

  it("gives a directory a per-file error", async () => {
    project = createTempProject({ "src/a.ts": "a", "b.txt": "b" });
    const { results, allMissing } = await read(["src", "b.txt"]);
    expect(results.src).toEqual({ error: "Path is a directory or not a regular file" });
    expect(allMissing).toBe(false);
  });

  it("reports allMissing when no file could be read", async () => {
    project = createTempProject({ "a.txt": "a" });
    const { results, allMissing } = await read(["nope.txt", "../outside/secret.txt"]);
    expect(allMissing).toBe(true);
    expect(results["nope.txt"]).toEqual({ error: "File not found" });
  });

  it("refuses an absolute path with a per-file error", async () => {
    project = createTempProject({ "a.txt": "a" });
    expect((await read([`${project.outside}/secret.txt`])).results[`${project.outside}/secret.txt`]).toEqual({
      error: "Absolute paths are not allowed: give a path relative to the project root",
    });
  });

  it("refuses .. escapes, a/../../x included", async () => {
    project = createTempProject({ "a/x.txt": "x" });
    const { results } = await read(["../outside/secret.txt", "a/../../outside/secret.txt"]);
    expect(results["../outside/secret.txt"]).toEqual({ error: "Path must not contain '..'" });
    expect(results["a/../../outside/secret.txt"]).toEqual({ error: "Path must not contain '..'" });
  });

  it("refuses a NUL byte", async () => {
    project = createTempProject({ "a.txt": "a" });
    expect((await read(["a.txt\0../../etc/passwd"])).results["a.txt\0../../etc/passwd"]).toEqual({
      error: "Path must not contain NUL bytes",
    });
  });

  it("does not decode percent-encoded traversal", async () => {
    project = createTempProject({ "a.txt": "a" });
    const tricks = [
      "%2e%2e/outside/secret.txt",
      "..%2foutside%2fsecret.txt",
      "%252e%252e/outside/secret.txt",
    ];
    const { results } = await read(tricks);
    for (const trick of tricks) expect(results[trick]).toEqual({ error: "File not found" });
  });

  it("refuses a symlinked file that leads outside", async () => {
    project = createTempProject({ "a.txt": "a" });
    project.symlink("link.txt", `${project.outside}/secret.txt`);
    expect((await read(["link.txt"])).results["link.txt"]).toEqual({ error: "Path is outside the project" });
  });

  it("refuses a file under a symlinked directory that leads outside", async () => {
    project = createTempProject({ "a.txt": "a" });
    project.symlink("linked", `${project.outside}/dir`);
    expect((await read(["linked/inner.txt"])).results["linked/inner.txt"]).toEqual({
      error: "Path is outside the project",
    });
  });

  it("refuses the /allowed-evil prefix trick", async () => {
    project = createTempProject({ "a.txt": "a" }, "allowed");
    project.write("../allowed-evil/secret.txt", "evil");
    project.symlink("evil.txt", `${project.base}/allowed-evil/secret.txt`);
    expect((await read(["evil.txt"])).results["evil.txt"]).toEqual({ error: "Path is outside the project" });
  });

  it("hides ignored and deny-listed files, also behind an innocent-looking symlink", async () => {
    project = createTempProject({
      ".gitignore": "private/\n",
      "private/p.txt": "p",
      ".env": "SECRET=1",
      "a.txt": "a",
    });
    project.symlink("innocent.txt", ".env");
    const { results } = await read(["private/p.txt", ".env", "innocent.txt", "a.txt"]);
    expect(results["private/p.txt"]).toEqual({ error: "File not found" });
    expect(results[".env"]).toEqual({ error: "File not found" });
    expect(results["innocent.txt"]).toEqual({ error: "File not found" });
  });

  it("stops a file above MAX_FILE_BYTES on a whole line and says where to go on", async () => {
    const lines = Array.from(
      { length: 100 },
      (_, i) => `line ${String(i + 1).padStart(3, "0")} ${"x".repeat(20)}\n`,
    );
    project = createTempProject({ "big.txt": lines.join("") });
    const entry = (await read(["big.txt"])).results["big.txt"];
    const fits = Math.floor(1024 / lines[0]!.length);
    expect(entry).toEqual({
      content: lines.slice(0, fits).join(""),
      total_lines: 100,
      start_line: 1,
      end_line: fits,
      truncated: true,
      next_start_line: fits + 1,
      size: lines.join("").length,
    });
  });

  it("cuts a single line longer than MAX_FILE_BYTES, flagged partial_line", async () => {
    project = createTempProject({ "big.txt": "x".repeat(3000) });
    expect((await read(["big.txt"])).results["big.txt"]).toEqual({
      content: "x".repeat(1024),
      total_lines: 1,
      start_line: 1,
      end_line: 1,
      truncated: true,
      partial_line: true,
      size: 3000,
    });
  });

  it("does not cut a multi-byte character in half when cutting a line", async () => {
    project = createTempProject({ "utf.txt": "é".repeat(1000) });
    const result = (await read(["utf.txt"])).results["utf.txt"] as { content: string };
    expect(result.content).toBe("é".repeat(512));
  });

  it("reports a binary file instead of dumping it", async () => {
    project = createTempProject({ "img.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]) });
    expect((await read(["img.png"])).results["img.png"]).toEqual({
      error: "Binary file: content not shown",
      binary: true,
      size: 7,
    });
  });

  it("stops at MAX_REQUEST_BYTES: the file that crosses it ends on a whole line, later ones are skipped", async () => {
    const b = "b".repeat(99) + "\n";
    project = createTempProject({ "a.txt": "a".repeat(1000), "b.txt": b.repeat(10), "c.txt": "c" });
    const { results } = await read(["a.txt", "b.txt", "c.txt"], { maxRequestBytes: 1500 });
    expect(results["a.txt"]).toEqual(whole("a".repeat(1000)));
    expect(results["b.txt"]).toEqual({
      content: b.repeat(5),
      total_lines: 10,
      start_line: 1,
      end_line: 5,
      truncated: true,
      next_start_line: 6,
      size: 1000,
    });
    expect(results["c.txt"]).toEqual({
      error: "Response size limit (1500 bytes) reached: request this file separately",
      skipped: true,
      total_lines: 1,
    });
  });

  it("skips, rather than cuts, a long line once other files took part of the answer", async () => {
    project = createTempProject({ "a.txt": "a\n", "long.txt": "x".repeat(2000) });
    const { results } = await read(["a.txt", "long.txt"], { maxFileBytes: 4096 }, 1500);
    expect(results["long.txt"]).toEqual({
      error: "Answer size limit reached: request this file separately",
      skipped: true,
      total_lines: 1,
    });
  });
});

describe("the answer budget", () => {
  it("keeps any mix of files, ranges, errors and duplicates within maxResponseChars", async () => {
    const long = Array.from({ length: 300 }, (_, i) => `${i} "q" \t ${"é".repeat(i % 9)}\n`).join("");
    project = createTempProject({
      "a.txt": long,
      "b.txt": long,
      "c.bin": Buffer.from([0, 1]),
      "one.txt": "x".repeat(5000),
    });
    const requests: FileRequest[] = [
      "a.txt",
      "./a.txt",
      { path: "b.txt", start_line: 100 },
      "c.bin",
      "missing.txt",
      "../escape",
      { path: "a.txt", start_line: 400 },
      "one.txt",
      "b.txt",
    ];
    for (const budget of [2_500, 4_000, 8_000, 20_000]) {
      const { results } = await read(
        requests,
        { maxFileBytes: 1 << 20, maxFilesPerRequest: 20, maxRequestBytes: 1 << 20 },
        budget,
      );
      expect(JSON.stringify(results).length).toBeLessThanOrEqual(budget);
      expect(Object.keys(results)).toHaveLength(requests.length);
    }
  });

  it("refuses a request whose paths alone would not fit in one answer", async () => {
    project = createTempProject({ "a.txt": "a" });
    const paths = Array.from({ length: 5 }, (_, i) => `${"d".repeat(300)}/${i}.txt`);
    await expect(read(paths, {}, 1_500)).rejects.toThrow(/would not fit in one answer/);
  });
});
