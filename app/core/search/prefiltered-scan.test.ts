import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeTestProjects, openTestProject } from "../project/project-fixture.js";
import type { Project } from "../project/project.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { findRipgrep } from "./ripgrep.js";
import type { SearchRequest } from "./search-request.js";
import type { SearchAnswer } from "./search-service.js";

/**
 * Text searches use ripgrep to skip files without the text until the workers hold every file in
 * memory. Whatever rg does — answers, fails, hangs — a search answers what a scan of every file
 * answers, within its deadline.
 */
let project: TempProject;
let realRg: string;

beforeAll(async () => {
  const found = await findRipgrep("auto");
  if (!found.rg) throw new Error(`these tests need ripgrep (apt-get install ripgrep): ${found.described}`);
  realRg = found.rg.path;
  const files: Record<string, string> = {};
  // Over 3,000 files in ~60 directories: several stretches; the text in some, a near miss in others.
  for (let i = 0; i < 3100; i++) {
    const text =
      i % 97 === 0 ? `line one\nconst needle_${i} = true;\nmore needle here\n` : `nothing ${i}\nneedl e\n`;
    files[`d${i % 31}/s${i % 2}/f${i}.txt`] = text;
  }
  files["top.txt"] = "needle at the top\n";
  project = createTempProject(files);
  project.symlink("d0/alias.txt", "s0/f0.txt");
});

afterAll(() => project?.cleanup());
afterEach(() => closeTestProjects());

/** A stand-in for rg on PATH: a shell script beside the project, answering `--version` as ripgrep. */
function script(name: string, body: string): string {
  const path = join(project.base, name);
  writeFileSync(
    path,
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "ripgrep 13.0.0"; exit 0; fi\n${body}\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

const open = (ripgrep: string, cacheMaxBytes = 0, deadlineMs = 20_000): Project =>
  openTestProject(project.root, {
    limits: { maxFiles: 1_000_000, maxResults: 50 },
    search: { ripgrep, cacheMaxBytes, deadlineMs },
  });

/**
 * Every page of a search, without `files_searched`: how many files the workers got through before
 * a full page stopped them depends on their race, with or without a prefilter.
 */
async function allPages(
  core: Project,
  request: SearchRequest,
): Promise<Omit<SearchAnswer, "files_searched">[]> {
  const pages: Omit<SearchAnswer, "files_searched">[] = [];
  let cursor: string | undefined;
  do {
    const { files_searched: _raced, ...page } = await core.search({
      ...request,
      ...(cursor ? { cursor } : {}),
    });
    pages.push(page);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && pages.length < 1000);
  return pages;
}

describe("searching with ripgrep as a prefilter", () => {
  it.each([
    ["text, page by page", { query: "needle", limit: 7 }],
    ["text ignoring case", { query: "NEEDLE", ignoreCase: true, limit: 13 }],
    [
      "under a path, by glob, with context",
      { query: "needle", path: "d3", glob: "**/s0/*", context: 1, limit: 2 },
    ],
    ["files mode", { query: "needle_", mode: "files" as const, limit: 5 }],
    ["count mode", { query: "needle", mode: "count" as const, limit: 9 }],
    ["a text found nowhere", { query: "no such text anywhere" }],
  ])("answers %s exactly as a scan of every file does", async (_name, request) => {
    const withRg = await allPages(open(realRg), request);
    const without = await allPages(open("off"), request);
    expect(withRg).toEqual(without);
    // Every case but the last finds something: equal answers must not be equally empty.
    const found = withRg.flatMap((page) => page.results).length;
    if (request.query === "no such text anywhere") expect(found).toBe(0);
    else expect(found).toBeGreaterThan(0);
  });

  it("reads through ripgrep until the workers hold every file, then from memory", async () => {
    const log = join(project.base, "rg-calls.log");
    const counting = script("counting-rg", `echo call >> "${log}"\nexec "${realRg}" "$@"`);
    const calls = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").length - 1 : 0);
    const core = open(counting, 64 << 20);
    const first = await core.search({ query: "needle_1", mode: "files" });
    expect(calls()).toBeGreaterThan(0);
    await core.searchSettled();
    const before = calls();
    expect(await core.search({ query: "needle_1", mode: "files" })).toEqual(first);
    expect(calls()).toBe(before);
    // A new file changes the list, not the cache: still from memory, the new file read from disk.
    project.write("d0/s0/new.txt", "needle_1 is new\n");
    try {
      const after = await core.search({ query: "needle_1", mode: "files" });
      expect(after.results.map((r) => r.path)).toEqual(
        [...first.results.map((r) => r.path), "d0/s0/new.txt"].sort(),
      );
      expect(calls()).toBe(before);
    } finally {
      project.remove("d0/s0/new.txt");
    }
    // A cache too small for the project never holds every file: ripgrep stays in use.
    const small = open(counting, 64 * 1024);
    await small.search({ query: "needle_1", mode: "files" });
    await small.searchSettled();
    const calledBefore = calls();
    expect(await small.search({ query: "needle_1", mode: "files" })).toEqual(first);
    expect(calls()).toBeGreaterThan(calledBefore);
  });

  it.each([
    ["with ripgrep", "rg"],
    ["without", "off"],
  ])("stops at the file cap (%s) with a cursor, and the cursors reach every hit", async (_name, ripgrep) => {
    const capped = openTestProject(project.root, {
      limits: { maxFiles: 400, maxResults: 50 },
      search: { ripgrep: ripgrep === "rg" ? realRg : "off", cacheMaxBytes: 0 },
    });
    const pages = await allPages(capped, { query: "needle" });
    expect(pages[0]).toMatchObject({ truncated: true, stopped_by: "files" });
    const hits = (list: typeof pages) => list.flatMap((page) => page.results);
    expect(hits(pages)).toEqual(hits(await allPages(open("off"), { query: "needle" })));
  });

  it("scans every file itself when ripgrep fails", async () => {
    const failing = script("failing-rg", "echo 'rg: something went wrong' >&2\nexit 2");
    expect(await allPages(open(failing), { query: "needle", limit: 40 })).toEqual(
      await allPages(open("off"), { query: "needle", limit: 40 }),
    );
  });

  it("answers by its deadline, with a cursor, when ripgrep hangs, and stops it", async () => {
    const pidFile = join(project.base, "hung-rg.pid");
    const hanging = script("hanging-rg", `echo $$ > "${pidFile}"\nexec sleep 30`);
    const started = Date.now();
    const page = await open(hanging, 0, 1000).search({ query: "needle" });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(page).toMatchObject({ truncated: true, stopped_by: "deadline" });
    expect(page.next_cursor).toEqual(expect.any(String));
    const pid = Number(readFileSync(pidFile, "utf8"));
    await expect.poll(() => isRunning(pid)).toBe(false);
  });

  it("searches a file larger than the per-page byte cap only when it holds the text", async () => {
    const big = createTempProject({
      "a.txt": "needle\n",
      "big.txt": "filler without it\n".repeat(4000),
      "z.txt": "needle again\n",
    });
    try {
      const core = openTestProject(big.root, {
        search: { ripgrep: realRg, cacheMaxBytes: 0, maxFileBytes: 4096 },
      });
      const page = await core.search({ query: "needle" });
      expect(page.results.map((r) => r.path)).toEqual(["a.txt", "z.txt"]);
      expect(page.truncated).toBe(false);
    } finally {
      big.cleanup();
    }
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
