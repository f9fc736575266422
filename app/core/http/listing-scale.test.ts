import { linkSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCore, type RunningCore } from "../testing/start-core.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";

/**
 * The listing routes on a generated 100,000-file tree (10 × 10 × 10 directories of 100 files,
 * plus ignored and deny-listed files that must never appear), over real HTTP. The files are hard
 * links to a few seeds: one system call each, where writing 100,000 files takes minutes on a
 * loaded machine.
 */
const BUDGET = 90_000;
let project: TempProject;
let core: RunningCore;
const visible: string[] = [];

beforeAll(async () => {
  project = createTempProject({ ".gitignore": "*.log\n", ".env": "SECRET=1" });
  visible.push(".gitignore");
  for (let a = 0; a < 10; a++) {
    const seed = join(project.base, `seed-${a}`);
    writeFileSync(seed, String(a));
    for (let b = 0; b < 10; b++)
      for (let c = 0; c < 10; c++) {
        const dir = `pkg-${a}/module-${b}/part-${c}`;
        mkdirSync(join(project.root, dir), { recursive: true });
        for (let f = 0; f < 100; f++) {
          const name = `${dir}/file-${f}-${"x".repeat((a * 7 + f) % 23)}.ts`;
          linkSync(seed, join(project.root, name));
          visible.push(name);
        }
        linkSync(seed, join(project.root, dir, "build.log"));
      }
  }
  visible.sort();
  core = await startTestCore(project.root, { MAX_RESPONSE_CHARS: String(BUDGET) });
}, 120_000);

afterAll(async () => {
  await core?.close();
  project?.cleanup();
});

async function getJson(path: string): Promise<{ text: string; body: unknown }> {
  const res = await core.call(path);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return { text, body: JSON.parse(text) as unknown };
}

describe("searching 100,000 files", () => {
  it("finds every file holding the text once, in order, page by page, and nothing ignored", async () => {
    // Each file holds its seed's digit; pkg-7's 10,000 files hold "7", and so do its build.log links.
    const found: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
      const { text, body } = await getJson(`/files/search?q=7&mode=files&limit=200${query}`);
      expect(text.length).toBeLessThanOrEqual(BUDGET);
      const page = body as { results: { path: string }[]; next_cursor: string | null };
      found.push(...page.results.map((r) => r.path));
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 1000);
    expect(found).toEqual(visible.filter((path) => path.startsWith("pkg-7/")));
    expect(pages).toBe(50);
  });

  it("searches every visible file for a text found in none, and says it is complete", async () => {
    const { body } = await getJson("/files/search?q=SECRET");
    expect(body).toMatchObject({ results: [], truncated: false, next_cursor: null, files_searched: 100_001 });
  });
});

describe("listing 100,000 files", () => {
  it("pages through every visible file exactly once, in order, each page within the budget", async () => {
    const listed: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? "" : `?cursor=${encodeURIComponent(cursor)}`;
      const { text, body } = await getJson(`/files/list${query}`);
      expect(text.length).toBeLessThanOrEqual(BUDGET);
      const page = body as { files: { path: string; size: number }[]; next_cursor: string | null };
      expect(page.files.every((f) => f.size === (f.path === ".gitignore" ? 6 : 1))).toBe(true);
      listed.push(...page.files.map((f) => f.path));
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 1000);
    expect(visible).toHaveLength(100_001);
    expect(listed).toEqual(visible);
    expect(pages).toBeGreaterThanOrEqual(100);
  });

  it("answers the structure within the budget, and says which directories it did not expand", async () => {
    const { text, body } = await getJson("/files/structure");
    expect(text.length).toBeLessThanOrEqual(BUDGET);
    const note = (body as Record<string, { not_expanded?: string[]; levels_shown?: number }>)["/truncated"];
    expect(note?.levels_shown).toBe(3);
    expect(note?.not_expanded).toHaveLength(1000);
    // A directory it did not expand can be listed in turn, within the same budget.
    const next = await getJson(`/files/structure?path=${encodeURIComponent(note!.not_expanded![0]!)}`);
    expect(next.text.length).toBeLessThanOrEqual(BUDGET);
  });

  it.each([1_000, 5_000, 20_000])("never answers more than a budget of %i characters", async (budget) => {
    const { project: served } = core.core;
    for (const path of [undefined, "pkg-1", "pkg-1/module-2", "pkg-1/module-2/part-3"]) {
      const answer = await served.listStructure({ maxChars: budget, ...(path ? { path } : {}) });
      expect(JSON.stringify(answer).length, `path ${path}`).toBeLessThanOrEqual(budget);
      // Cut only when the whole subtree would not fit.
      const whole = await served.listStructure({ maxChars: 100_000_000, ...(path ? { path } : {}) });
      expect(answer["/truncated"] === undefined, `path ${path}`).toBe(JSON.stringify(whole).length <= budget);
    }
  });

  it("answers a subtree to the depth asked, and all of a subtree that fits", async () => {
    const { body: oneLevel } = await getJson("/files/structure?path=pkg-3&depth=1");
    expect(oneLevel).toEqual({
      "pkg-3": { directories: Array.from({ length: 10 }, (_, i) => `module-${i}`), files: [] },
    });
    const { body: twoLevels } = await getJson("/files/structure?path=pkg-3&depth=2");
    expect(Object.keys(twoLevels as object)).toEqual([
      "pkg-3",
      ...Array.from({ length: 10 }, (_, i) => `pkg-3/module-${i}`),
    ]);
    const { body: module } = await getJson("/files/structure?path=pkg-3/module-4");
    const entries = module as Record<string, { directories: string[]; files: string[] }>;
    expect(Object.keys(entries)).toHaveLength(11);
    const files = Object.entries(entries).flatMap(([dir, entry]) => entry.files.map((f) => `${dir}/${f}`));
    expect(files.sort()).toEqual(visible.filter((p) => p.startsWith("pkg-3/module-4/")));
  });
});
