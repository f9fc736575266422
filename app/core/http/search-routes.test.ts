import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { coreForEachTest, type RunningCore } from "../testing/start-core.js";

const cores = coreForEachTest();
const start = cores.start;

interface Answer {
  results: Array<{ path: string; line?: number; text?: string; before?: string[]; after?: string[] }>;
  truncated: boolean;
  next_cursor: string | null;
  stopped_by?: string;
}

const searchPath = (params: Record<string, string>) => `/files/search?${new URLSearchParams(params)}`;

/** Polls GET / while `work` runs; resolves to the slowest health answer in milliseconds. */
async function slowestHealthDuring(core: RunningCore, work: Promise<unknown>): Promise<number> {
  let done = false;
  void work.finally(() => (done = true));
  let slowest = 0;
  for (let i = 0; i < 2000 && !done; i++) {
    const started = performance.now();
    const res = await fetch(`${core.url}/`);
    expect(res.status).toBe(200);
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await work;
  return slowest;
}

describe("GET /files/search", () => {
  it("finds text with line numbers", async () => {
    const core = await start({ "src/a.ts": "x\nneedle here\n" });
    const res = await core.call("/files/search?q=needle&path=src&glob=*.ts&limit=5");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      query: "needle",
      mode: "lines",
      results: [{ path: "src/a.ts", line: 2, text: "needle here" }],
      truncated: false,
      next_cursor: null,
      files_searched: 1,
    });
  });

  it("takes regex, ignore_case, context and mode from the query string", async () => {
    const core = await start({ "a.ts": "one\nTwo = 2\nthree\n", "b.ts": "two\n" });
    const lines = await core.call(searchPath({ q: "^t[w]o", regex: "true", ignore_case: "1", context: "1" }));
    expect(((await lines.json()) as Answer).results).toEqual([
      { path: "a.ts", line: 2, text: "Two = 2", before: ["one"], after: ["three"] },
      { path: "b.ts", line: 1, text: "two", before: [], after: [] },
    ]);
    const files = await core.call(searchPath({ q: "two", ignore_case: "true", mode: "count" }));
    expect(((await files.json()) as Answer).results).toEqual([
      { path: "a.ts", count: 1 },
      { path: "b.ts", count: 1 },
    ]);
  });

  it.each([
    ["no q", "/files/search", /q is required/],
    ["q twice", "/files/search?q=a&q=b", /q must be given once/],
    ["a non-numeric limit", "/files/search?q=a&limit=ten", /limit must be a whole number/],
    ["limit 0", "/files/search?q=a&limit=0", /limit must be a whole number from 1 to/],
    ["a bad ignore_case", "/files/search?q=a&ignore_case=maybe", /ignore_case must be true or false/],
    ["a bad regex flag", "/files/search?q=a&regex=yes", /regex must be true or false/],
    ["an invalid regex", "/files/search?q=(&regex=true", /q is not a valid regular expression/],
    ["a backreference", "/files/search?q=(a)%5C1&regex=true", /q cannot run in linear time/],
    ["context 11", "/files/search?q=a&context=11", /context must be a whole number from 0 to 10/],
    ["mode x", "/files/search?q=a&mode=x", /mode must be one of lines, files, count/],
    ["a garbage cursor", "/files/search?q=a&cursor=garbage", /cursor is not valid/],
    ["an unclosed glob class", "/files/search?q=a&glob=%5Ba", /glob has a '\[' without its closing '\]'/],
    ["a path escaping the root", "/files/search?q=a&path=..%2F..", /path: Path must not contain/],
  ])("answers 400 naming the field for %s", async (_name, path, message) => {
    const core = await start({ "a.txt": "a" });
    const res = await core.call(path);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it("never answers more than MAX_RESPONSE_CHARS, and its cursor reaches every hit", async () => {
    const long = `hit ${"y".repeat(400)}\n`;
    const core = await start(
      { "a.txt": long.repeat(60), "b.txt": long.repeat(60) },
      { MAX_RESPONSE_CHARS: "4000" },
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 200; page++) {
      const res = await core.call(
        searchPath({ q: "hit", context: "3", limit: "200", ...(cursor ? { cursor } : {}) }),
      );
      const body = await res.text();
      expect(body.length).toBeLessThanOrEqual(4000);
      const answer = JSON.parse(body) as Answer;
      expect(answer.results.length).toBeGreaterThan(0);
      seen.push(...answer.results.map((r) => `${r.path}:${r.line}`));
      cursor = answer.next_cursor;
      if (!cursor) break;
      expect(answer.stopped_by).toBe("response_size");
    }
    expect(seen).toEqual([
      ...Array.from({ length: 60 }, (_, i) => `a.txt:${i + 1}`),
      ...Array.from({ length: 60 }, (_, i) => `b.txt:${i + 1}`),
    ]);
  });

  it("answers a hostile regex within its deadline while GET / keeps answering", async () => {
    const lines = `${"a".repeat(3000)}!\n`.repeat(200);
    const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}.txt`, lines]));
    const core = await start(files, { SEARCH_DEADLINE_MS: "4000" });
    const started = performance.now();
    const search = core.call(searchPath({ q: "^(a|aa)+$", regex: "true" }));
    const slowest = await slowestHealthDuring(core, search);
    const res = await search;
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(4000 + 1500);
    expect(slowest).toBeLessThan(1000);
    const answer = (await res.json()) as Answer;
    expect(answer.results).toEqual([]);
  });

  it("stops at its deadline with a cursor, never claiming to be complete", async () => {
    const core = await start(
      { "big.txt": "abcdefghij klmnopqrstuvwxyz 0123456789\n".repeat(400_000) },
      {
        SEARCH_DEADLINE_MS: "300",
      },
    );
    await core.call(searchPath({ q: "warm the workers up" }));
    const started = performance.now();
    const res = await core.call(searchPath({ q: "([a-z]+ )+[0-9]+x", regex: "true" }));
    const answer = (await res.json()) as Answer;
    expect(performance.now() - started).toBeLessThan(300 + 1500);
    expect(answer).toMatchObject({ truncated: true, stopped_by: "deadline" });
    expect(answer.next_cursor).toEqual(expect.any(String));
  });

  it("answers a hostile glob at once while GET / keeps answering", async () => {
    const name = `${"a".repeat(40)}.txt`;
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`d${i}/${name}`, "hit\n"]));
    const core = await start(files, { SEARCH_DEADLINE_MS: "4000" });
    const started = performance.now();
    const search = core.call(searchPath({ q: "hit", glob: "*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?Z" }));
    const slowest = await slowestHealthDuring(core, search);
    const res = await search;
    expect(res.status).toBe(200);
    expect(((await res.json()) as Answer).results).toEqual([]);
    expect(performance.now() - started).toBeLessThan(4000);
    expect(slowest).toBeLessThan(1000);
  });

  it("never leaks a file swapped for a symlink while searches run", async () => {
    const core = await start({ "a.txt": "harmless marker\n", ".env": "ENV_SECRET_VALUE marker\n" });
    const root = cores.project().root;
    // Swaps a.txt between a regular file and symlinks to a file outside and to the deny-listed .env.
    const swapper = spawn(process.execPath, [
      "-e",
      `const fs = require("fs"); const p = require("path"); const root = ${JSON.stringify(root)};
       const targets = [${JSON.stringify(`${cores.project().outside}/secret.txt`)}, ".env"];
       for (let i = 0; i < 1e6; i++) {
         const link = p.join(root, "link.tmp"), file = p.join(root, "file.tmp");
         try { fs.symlinkSync(targets[i % 2], link); fs.renameSync(link, p.join(root, "a.txt")); } catch {}
         try { fs.writeFileSync(file, "harmless marker\\n"); fs.renameSync(file, p.join(root, "a.txt")); } catch {}
       }`,
    ]);
    try {
      let answered = 0;
      for (let i = 0; i < 150; i++) {
        for (const q of ["SECRET", "marker"]) {
          const answer = (await (await core.call(searchPath({ q }))).json()) as Answer;
          for (const hit of answer.results) expect(hit.text).not.toMatch(/SECRET/);
          answered++;
        }
      }
      expect(answered).toBe(300);
    } finally {
      swapper.kill();
    }
  });
});
