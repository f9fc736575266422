import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import type { Project } from "./project.js";
import { closeTestProjects, openTestProject } from "./project-fixture.js";
import type { FileRequest } from "./reader.js";

/** A 5 MB / 80,000-line text file, with quotes, tabs, backslashes and multi-byte characters on some lines. */
const TOTAL = 80_000;
const lines: string[] = [];
let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
for (let i = 1; i <= TOTAL; i++) {
  const extra = i % 97 === 0 ? ' "quoted"\t\\path é€😀' : "";
  lines.push(`line ${i}: ${"lorem ipsum dolor ".repeat(1 + Math.floor(random() * 5)).trimEnd()}${extra}\n`);
}
const file = lines.join("");
const LIMITS = { maxFileBytes: 1 << 20, maxRequestBytes: 8 << 20 };
const BUDGET = 90_000;

let project: TempProject;
let core: Project;
beforeAll(() => {
  project = createTempProject({ "big.txt": file, "tail.txt": "a\nb\nno newline at the end" });
  core = openTestProject(project.root, { limits: LIMITS });
});
afterAll(() => {
  closeTestProjects();
  project.cleanup();
});

async function read(request: FileRequest, maxResponseChars = BUDGET) {
  const answer = await core.readFiles([request], { maxResponseChars });
  expect(JSON.stringify(answer.results).length).toBeLessThanOrEqual(maxResponseChars);
  return Object.values(answer.results)[0]!;
}

const expected = (start: number, end: number) => ({
  content: lines.slice(start - 1, end).join(""),
  total_lines: TOTAL,
  start_line: start,
  end_line: end,
});

describe("line ranges of a 5 MB / 80,000-line file", () => {
  it("is the file the spec asks for", () => {
    expect(Buffer.byteLength(file)).toBeGreaterThan(5_000_000);
    expect(lines).toHaveLength(TOTAL);
  });

  it("reads line 40,000 alone", async () => {
    expect(await read({ path: "big.txt", start_line: 40_000, end_line: 40_000 })).toEqual(
      expected(40_000, 40_000),
    );
  });

  it("reads the first and the last line", async () => {
    expect(await read({ path: "big.txt", end_line: 1 })).toEqual(expected(1, 1));
    expect(await read({ path: "big.txt", start_line: TOTAL })).toEqual(expected(TOTAL, TOTAL));
  });

  it("reaches every sampled range exactly, indexing the file once", async () => {
    await read({ path: "big.txt", start_line: 2, end_line: 2 });
    const builds = core.lineIndexStats.builds;
    for (let n = 0; n < 300; n++) {
      const start = 1 + Math.floor(random() * TOTAL);
      const end = Math.min(TOTAL, start + Math.floor(random() * 40));
      expect(await read({ path: "big.txt", start_line: start, end_line: end })).toEqual(expected(start, end));
    }
    // At most one more build: the first index may be too fresh to trust (racy-git rule).
    expect(core.lineIndexStats.builds).toBeLessThanOrEqual(builds + 1);
  });

  it("stops at the last line when end_line is past it", async () => {
    expect(await read({ path: "big.txt", start_line: TOTAL - 2, end_line: TOTAL + 500 })).toEqual(
      expected(TOTAL - 2, TOTAL),
    );
  });

  it("says so when start_line is past the last line", async () => {
    expect(await read({ path: "big.txt", start_line: TOTAL + 1 })).toEqual({
      error: "start_line 80001 is past the end of the file (it has 80000 lines)",
      total_lines: TOTAL,
    });
  });

  it("counts a last line without a newline", async () => {
    expect(await read({ path: "tail.txt", start_line: 3 })).toEqual({
      content: "no newline at the end",
      total_lines: 3,
      start_line: 3,
      end_line: 3,
    });
  });

  it("ends an over-budget read on a whole line, and following next_start_line rebuilds the file exactly", async () => {
    let next: number | undefined = 1;
    let rebuilt = "";
    let answers = 0;
    while (next !== undefined) {
      const entry = (await read({ path: "big.txt", start_line: next })) as {
        content: string;
        end_line: number;
        next_start_line?: number;
        truncated?: true;
      };
      expect(entry.content.endsWith("\n")).toBe(true);
      expect(entry.content).toBe(lines.slice(next - 1, entry.end_line).join(""));
      if (entry.next_start_line !== undefined) {
        expect(entry.truncated).toBe(true);
        expect(entry.next_start_line).toBe(entry.end_line + 1);
      }
      rebuilt += entry.content;
      next = entry.next_start_line;
      answers++;
    }
    expect(rebuilt).toBe(file);
    // 90,000 characters a page: about 5.3 MB / 90 kB pages, each nearly full.
    expect(answers).toBeLessThanOrEqual(Math.ceil(Buffer.byteLength(file) / (BUDGET * 0.9)));
  });

  it("counts JSON escapes and multi-byte characters against a small budget and still rebuilds exactly", async () => {
    const tricky = Array.from(
      { length: 400 },
      (_, i) => `${i} "q" \\ \t ${"\u0001".repeat(i % 7)} 漢字 😀 ${"é".repeat(i % 50)}\n`,
    ).join("");
    project.write("tricky.txt", tricky);
    let next: number | undefined = 1;
    let rebuilt = "";
    while (next !== undefined) {
      const entry = (await read({ path: "tricky.txt", start_line: next }, 2_000)) as {
        content: string;
        next_start_line?: number;
      };
      expect(entry.content.length).toBeGreaterThan(0);
      rebuilt += entry.content;
      next = entry.next_start_line;
    }
    expect(rebuilt).toBe(tricky);
  });

  it("keeps several ranges of one file in one answer within the budget", async () => {
    const answer = await core.readFiles(
      [
        { path: "big.txt", start_line: 10, end_line: 12 },
        { path: "big.txt", start_line: 50_000, end_line: 50_001 },
        { path: "big.txt", start_line: 1 },
        "tail.txt",
      ],
      { maxResponseChars: 20_000 },
    );
    expect(JSON.stringify(answer.results).length).toBeLessThanOrEqual(20_000);
    expect(answer.results["big.txt"]).toEqual(expected(10, 12));
    expect(answer.results["big.txt#L50000-50001"]).toEqual(expected(50_000, 50_001));
    expect(answer.results["big.txt#L1-"]).toMatchObject({ start_line: 1, truncated: true });
    expect(answer.results["tail.txt"]).toMatchObject({ total_lines: 3 });
  });

  it("gives file facts: size, total lines, modification time, text", async () => {
    const { results } = await core.fileInfo(["big.txt", "nope.txt"]);
    expect(results["big.txt"]).toEqual({
      size: Buffer.byteLength(file),
      total_lines: TOTAL,
      modified: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      binary: false,
    });
    expect(results["nope.txt"]).toEqual({ error: "File not found" });
  });
});
