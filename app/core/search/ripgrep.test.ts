import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import { filesWithMatch, findRipgrep, type PrefilterScope, type Ripgrep } from "./ripgrep.js";

/**
 * ripgrep as the search's prefilter must name every file that holds the text, whatever rg's own
 * habits (ignore files, hidden files, binary detection, BOMs, symlinks, option-like names), and
 * say so when it cannot answer for all of them.
 */
let project: TempProject;
let rg: Ripgrep;
const NEEDLE = "needle_7f3a";
const never = () => Date.now() + 60_000;

beforeAll(async () => {
  const found = await findRipgrep("auto");
  if (!found.rg) throw new Error(`these tests need ripgrep (apt-get install ripgrep): ${found.described}`);
  rg = found.rg;
  project = createTempProject({
    "top.txt": `a ${NEEDLE} at the root\n`,
    "plain/a.txt": `${NEEDLE}\n`,
    "plain/b.txt": "nothing here\n",
    "plain/nested/deep.txt": `${NEEDLE} one level down\n`,
    // rg skips all of these by its own rules unless told otherwise; the listing decides instead.
    ".gitignore": "ignored.txt\n",
    ".ignore": "alsoignored.txt\n",
    ".rgignore": "rgignored.txt\n",
    "rules/ignored.txt": `${NEEDLE}\n`,
    "rules/alsoignored.txt": `${NEEDLE}\n`,
    "rules/rgignored.txt": `${NEEDLE}\n`,
    "rules/.hidden.txt": `${NEEDLE}\n`,
    // A NUL past the first 8000 bytes: text for the workers, "binary" for rg by default.
    "odd/late-nul.txt": Buffer.concat([
      Buffer.from("x".repeat(9000)),
      Buffer.from([0]),
      Buffer.from(`\n${NEEDLE}\n`),
    ]),
    // A UTF-16 byte-order mark: rg would transcode the file and miss the raw bytes.
    "odd/bom.txt": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${NEEDLE}\n`)]),
    "odd/-rf.txt": `${NEEDLE}\n`,
    "odd/--regexp=x": `${NEEDLE}\n`,
    "odd/with space.txt": `${NEEDLE}\n`,
    "odd/naïve.txt": `${NEEDLE}\n`,
    "-dir/inside.txt": `${NEEDLE}\n`,
    "case/upper.txt": `${NEEDLE.toUpperCase()}\n`,
  });
  project.symlink("links/alias.txt", "../plain/a.txt");
});

afterAll(() => project?.cleanup());

const search = (scope: PrefilterScope, text = NEEDLE, ignoreCase = false, maxArgBytes?: number) =>
  filesWithMatch(rg, project.root, { text, ignoreCase }, scope, never(), undefined, maxArgBytes);

describe("findRipgrep", () => {
  it("finds rg on PATH and reads its version", async () => {
    const found = await findRipgrep("auto");
    expect(found.rg?.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(found.described).toBe(`rg ${found.rg?.version}`);
  });

  it("uses none when it is off or not on PATH", async () => {
    expect(await findRipgrep("off")).toEqual({ rg: undefined, described: "none (SEARCH_RIPGREP=off)" });
    expect(await findRipgrep("auto", { PATH: project.root })).toEqual({
      rg: undefined,
      described: "none (no rg on PATH)",
    });
  });

  it("never trusts a binary that is not ripgrep, and says why", async () => {
    const fake = join(project.base, "not-rg");
    writeFileSync(fake, "#!/bin/sh\necho 'grep (GNU grep) 3.11'\n");
    chmodSync(fake, 0o755);
    const found = await findRipgrep(fake);
    expect(found.rg).toBeUndefined();
    expect(found.described).toContain(`${fake} does not run as ripgrep`);
    expect((await findRipgrep(join(project.base, "missing"))).rg).toBeUndefined();
  });
});

describe("filesWithMatch", () => {
  it("names the files of each directory that hold the text, and no deeper ones", async () => {
    expect(await search({ dirs: ["", "plain"], files: [] })).toEqual(new Set(["top.txt", "plain/a.txt"]));
  });

  it("ignores rg's own ignore rules and hidden-file rule: the listing has decided", async () => {
    expect(await search({ dirs: ["rules"], files: [] })).toEqual(
      new Set(["rules/ignored.txt", "rules/alsoignored.txt", "rules/rgignored.txt", "rules/.hidden.txt"]),
    );
  });

  it("reads every byte: past a NUL, after a byte-order mark", async () => {
    const found = await search({ dirs: ["odd"], files: [] });
    expect(found).toContain("odd/late-nul.txt");
    expect(found).toContain("odd/bom.txt");
  });

  it("takes names that look like options, or hold spaces and non-ASCII, as names", async () => {
    const found = await search({ dirs: ["odd", "-dir"], files: [] });
    for (const name of [
      "odd/-rf.txt",
      "odd/--regexp=x",
      "odd/with space.txt",
      "odd/naïve.txt",
      "-dir/inside.txt",
    ])
      expect(found).toContain(name);
  });

  it("takes a text that looks like an option as the text", async () => {
    project.write("opt/x.txt", "--files\n");
    expect(await search({ dirs: ["opt"], files: [] }, "--files")).toEqual(new Set(["opt/x.txt"]));
  });

  it("follows a listed symlink given by name, not one met inside a directory", async () => {
    expect(await search({ dirs: ["links"], files: [] })).toEqual(new Set());
    expect(await search({ dirs: [], files: ["links/alias.txt"] })).toEqual(new Set(["links/alias.txt"]));
  });

  it("folds case when asked", async () => {
    expect(await search({ dirs: ["case"], files: [] })).toEqual(new Set());
    expect(await search({ dirs: ["case"], files: [] }, NEEDLE, true)).toEqual(new Set(["case/upper.txt"]));
  });

  it("runs rg once per batch of paths and joins the answers", async () => {
    const dirs = ["", "plain", "rules", "odd", "-dir", "case"];
    const whole = await search({ dirs, files: ["links/alias.txt"] });
    expect(await search({ dirs, files: ["links/alias.txt"] }, NEEDLE, false, 12)).toEqual(whole);
    expect(whole?.size).toBe(14);
  });

  it("cannot vouch for files when rg fails on one of them", async () => {
    expect(await search({ dirs: ["plain", "gone"], files: [] })).toBeUndefined();
  });

  it("gives up at the deadline or when aborted, and stops rg", async () => {
    const scope = { dirs: ["plain"], files: [] };
    const query = { text: NEEDLE, ignoreCase: false };
    expect(await filesWithMatch(rg, project.root, query, scope, Date.now() - 1)).toBeUndefined();
    const aborted = AbortSignal.abort();
    expect(await filesWithMatch(rg, project.root, query, scope, never(), aborted)).toBeUndefined();
  });
});
