import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeTestProjects, listedFiles, openTestProject } from "../project/project-fixture.js";
import type { Project } from "../project/project.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import type { SearchRequest } from "./search-request.js";

/**
 * The search must find exactly what `grep -rn` finds on the visible files: generated source and
 * prose in many directories, ignored and deny-listed files beside them, and a 3 MiB file whose
 * matches lie past the first MiB.
 */
const WORDS = [
  "value",
  "Value",
  "getValue",
  "setName",
  "render",
  "index",
  "VALUE",
  "node",
  "parse",
  "export",
];

function generatedFile(seed: number): string {
  const lines: string[] = [];
  for (let i = 0; i < 40 + (seed % 30); i++) {
    const a = WORDS[(seed * 7 + i * 3) % WORDS.length] as string;
    const b = WORDS[(seed + i * 5) % WORDS.length] as string;
    if (i % 9 === 0) lines.push(`export function ${a}${i}(${b}) { return ${seed * i}; }`);
    else if (i % 4 === 0) lines.push("");
    else lines.push(`  const ${b} = ${a}(${i}, "${b} of ${seed}"); // ${a} ${i * 37}`);
  }
  return `${lines.join("\n")}\n`;
}

let project: TempProject;
/**
 * Every way of scanning gives the same answers: ripgrep naming the files to read (no cache, so it
 * is used for every text search), openat through koffi, and node:fs.
 */
const ENGINES = [
  ["ripgrep as a prefilter, openat", { ripgrep: "auto", cacheMaxBytes: 0, noFollowOpen: true }],
  ["openat without following symlinks (koffi)", { ripgrep: "off", noFollowOpen: true }],
  ["node:fs with a descriptor check", { ripgrep: "off", noFollowOpen: false }],
] as const;
const cores = new Map<string, Project>();
let core: Project;
let visible: string[];

beforeAll(async () => {
  const files: Record<string, string | Buffer> = {
    ".gitignore": "build/\n*.log\n",
    "build/out.js": "value value value\n",
    "debug.log": "value\n",
    ".env": "VALUE=secret\n",
    "blob.bin": Buffer.from("value\0value\n"),
  };
  for (let i = 0; i < 240; i++) files[`pkg${i % 12}/mod${i % 5}/file${i}.ts`] = generatedFile(i);
  // 3 MiB: the hits past 1 MiB must be found too.
  const filler = "filler line without the words we look for\n";
  files["big/huge.txt"] =
    filler.repeat(30_000) + "late value here\n" + filler.repeat(40_000) + "export const VALUE = 1;\n";
  project = createTempProject(files);
  // Listed symlinks inside the project: the no-follow opener hands these to the checked path.
  project.symlink("alias.ts", "pkg0/mod0/file0.ts");
  project.symlink("aliasdir", "pkg1");
  for (const [name, search] of ENGINES)
    cores.set(name, openTestProject(project.root, { limits: { maxFileBytes: 1024 * 1024 }, search }));
  visible = listedFiles(await cores.get(ENGINES[0][0])!.structure());
});

afterAll(() => {
  closeTestProjects();
  project.cleanup();
});

/** grep's answer as path:line:text, on the visible text files (-I skips binary ones). */
function grep(flags: string[], query: string): string[] {
  try {
    const out = execFileSync("grep", ["-n", "-H", "-I", ...flags, "--", query, ...visible], {
      cwd: project.root,
      encoding: "utf8",
      maxBuffer: 64 << 20,
      env: { ...process.env, LC_ALL: "C" },
    });
    return out.split("\n").filter((l) => l !== "");
  } catch (err) {
    if ((err as { status?: number }).status === 1) return [];
    throw err;
  }
}

/** Every hit of a search, following next_cursor page by page. */
async function allHits(request: SearchRequest): Promise<{ hits: string[]; pages: number }> {
  const hits: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await core.search({ ...request, limit: 20, ...(cursor ? { cursor } : {}) });
    for (const r of page.results) if ("line" in r) hits.push(`${r.path}:${r.line}:${r.text}`);
    cursor = page.next_cursor ?? undefined;
    pages++;
  } while (cursor && pages < 10_000);
  return { hits, pages };
}

describe.each(ENGINES)("search (%s) equals grep -rn on the visible files", (engine) => {
  beforeAll(() => {
    core = cores.get(engine)!;
  });

  it.each([
    ["literal", { query: "value" }, ["-F"], "value"],
    ["literal, ignoring case (-i)", { query: "value", ignoreCase: true }, ["-F", "-i"], "value"],
    ["a regex (-E)", { query: "(get|set)[A-Z][a-z]+", regex: true }, ["-E"], "(get|set)[A-Z][a-z]+"],
    [
      "an anchored regex (-E)",
      { query: "^export [a-z]+ [A-Z]+", regex: true },
      ["-E"],
      "^export [a-z]+ [A-Z]+",
    ],
    [
      "a regex ignoring case (-E -i)",
      { query: "render[0-9]{2}", regex: true, ignoreCase: true },
      ["-E", "-i"],
      "render[0-9]{2}",
    ],
  ] as const)("for %s, every hit exactly once across pages", async (_name, request, flags, query) => {
    const expected = grep([...flags], query);
    const { hits, pages } = await allHits(request);
    expect(expected.length).toBeGreaterThan(0);
    expect([...hits].sort()).toEqual([...expected].sort());
    expect(new Set(hits).size).toBe(hits.length);
    if (expected.length > 20) expect(pages).toBeGreaterThan(1);
  });

  it("searches a listed symlink inside the project like its target", async () => {
    expect(visible).toContain("alias.ts");
    const { hits } = await allHits({ query: "export function", glob: "alias.ts" });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits).toEqual(grep(["-F"], "export function").filter((h) => h.startsWith("alias.ts:")));
  });

  it("finds matches past the first MiB of a file", async () => {
    const { hits } = await allHits({ query: "VALUE", path: "big" });
    expect(hits).toEqual(["big/huge.txt:70002:export const VALUE = 1;"]);
  });

  it("lists the same files as grep -l and counts like grep -c", async () => {
    const files = await core.search({ query: "getValue", mode: "files", limit: 20 });
    const counts = await core.search({ query: "getValue", mode: "count", limit: 20 });
    const expectedCounts = grep(["-F", "-c"], "getValue").filter((l) => !l.endsWith(":0"));
    expect(files.results.map((r) => r.path).sort()).toEqual(
      expectedCounts
        .map((l) => l.slice(0, l.lastIndexOf(":")))
        .slice(0, 20)
        .sort(),
    );
    expect(counts.results.map((r) => `${r.path}:${"count" in r ? r.count : ""}`)).toEqual(
      expectedCounts.slice(0, 20),
    );
  });

  it("gives the same context lines as grep -C", async () => {
    const page = await core.search({ query: "setName", context: 2, limit: 1 });
    const hit = page.results[0] as {
      path: string;
      line: number;
      before: string[];
      after: string[];
      text: string;
    };
    expect(hit.before).toHaveLength(Math.min(2, hit.line - 1));
    const lines = execFileSync("sed", ["-n", `${hit.line - hit.before.length},${hit.line + 2}p`, hit.path], {
      cwd: project.root,
      encoding: "utf8",
    }).split("\n");
    expect(hit.after).toHaveLength(2);
    expect([...hit.before, hit.text, ...hit.after]).toEqual(lines.slice(0, hit.before.length + 3));
  });
});
