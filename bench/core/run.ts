import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openProject, type Project } from "../../app/core/project/project.js";
import type { WatchMode } from "../../app/core/project/tree.js";
import { generateTree } from "./generate-tree.js";
import { benchLineRead } from "./line-read.js";
import { missedExplanation } from "../support/missed.js";
import { benchSearch } from "./search.js";

/**
 * Core benchmark: structure listing of a generated tree (>= 100,000 files) and of this repo's
 * node_modules, cold and warm, and a batch read of 100 files. Every figure is printed beside a
 * baseline measured in the same run (`find <dir> -type f | wc -l`). Targets: cold listing
 * within 3x of the baseline; warm listing under 10% of cold.
 */

// The build machine is shared and loaded: each figure is the median of several runs, and the
// baseline runs interleaved with ours so both see the same load.
const RUNS_COLD = 5;
const RUNS_WARM = 15;

function open(root: string, watch: WatchMode = "auto"): Project {
  return openProject({
    root,
    watch,
    ignoreFileNames: [".agentignore", ".gitignore"],
    limits: {
      maxFileBytes: 1 << 20,
      maxFilesPerRequest: 100,
      maxRequestBytes: 8 << 20,
      maxResults: 200,
      maxFiles: 20_000,
      maxQueryLength: 256,
    },
    cacheMaxBytes: 64 << 20,
  });
}

async function timeMs(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function findOnce(dir: string): { ms: number; files: number } {
  const start = process.hrtime.bigint();
  const files = Number(
    execFileSync("sh", ["-c", 'find "$1" -type f | wc -l', "sh", dir], { encoding: "utf8" }).trim(),
  );
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, files };
}

const rows: string[][] = [];
const failures: string[] = [];
const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

function report(
  name: string,
  ours: number,
  baselineName: string,
  baseline: number,
  target?: { ratio: number; label: string },
) {
  const ratio = ours / baseline;
  const verdict = target ? (ratio <= target.ratio ? `ok (${target.label})` : `MISSED (${target.label})`) : "";
  if (target && ratio > target.ratio) failures.push(name);
  rows.push([
    name,
    fmt(ours),
    baselineName,
    fmt(baseline),
    `${ratio.toFixed(ratio < 0.1 ? 3 : 2)}x`,
    verdict,
  ]);
}

async function benchListing(label: string, dir: string) {
  const baseline: number[] = [];
  const cold: number[] = [];
  let found = 0;
  let listed = 0;
  let project: Project | undefined;
  for (let i = 0; i < RUNS_COLD; i++) {
    const run = findOnce(dir);
    baseline.push(run.ms);
    found = run.files;
    project?.close();
    project = open(dir);
    const p = project;
    cold.push(
      await timeMs(
        async () => (listed = Object.values(await p.structure()).reduce((n, e) => n + e.files.length, 0)),
      ),
    );
  }
  // The directory watches go in in the background after the cold listing (requests meanwhile
  // are answered by stat checks); the warm figure is the steady state once they are in place.
  const installMs = await timeMs(() => project!.watchesInstalled());
  const warm: number[] = [];
  for (let i = 0; i < RUNS_WARM; i++) warm.push(await timeMs(() => project!.structure()));
  const { statChecks, watchHits } = project!.treeStats;
  project!.close();
  // The same warm listing with watches off: one stat per directory on every request.
  const statOnly = open(dir, "off");
  await statOnly.structure();
  const warmStat: number[] = [];
  for (let i = 0; i < RUNS_WARM; i++) warmStat.push(await timeMs(() => statOnly.structure()));
  console.log(
    `${label}: find counts ${found} files; the Core lists ${listed} visible files (ignore rules and deny list applied); ` +
      `watches in place ${fmt(installMs)} after the cold listing; ` +
      `warm answers: ${watchHits} from watches, ${statChecks} by stat checks`,
  );
  report(`${label}: cold listing`, median(cold), "find | wc -l", median(baseline), {
    ratio: 3,
    label: "target <= 3x find",
  });
  report(`${label}: warm listing`, median(warm), "cold listing", median(cold), {
    ratio: 0.1,
    label: "target < 10% of cold",
  });
  report(`${label}: warm, stat checks only`, median(warmStat), "cold listing", median(cold));
}

async function benchBatchRead(dir: string, files: string[]) {
  const project = open(dir, "off");
  const cold = await timeMs(() => project.readFiles(files));
  const warm: number[] = [];
  for (let i = 0; i < RUNS_WARM; i++) warm.push(await timeMs(() => project.readFiles(files)));
  const start = process.hrtime.bigint();
  execFileSync("cat", files, { cwd: dir, maxBuffer: 64 << 20 });
  const cat = Number(process.hrtime.bigint() - start) / 1e6;
  report(`batch read of ${files.length} files: cold`, cold, "cat (1 process)", cat);
  report(`batch read of ${files.length} files: warm (cached)`, median(warm), "cat (1 process)", cat);
}

async function main() {
  const base = mkdtempSync(join(tmpdir(), "cq-bench-core-"));
  try {
    console.log("Generating the synthetic tree…");
    let tree: ReturnType<typeof generateTree> | undefined;
    const genMs = await timeMs(() => (tree = generateTree(base)));
    if (!tree) throw new Error("tree generation failed");
    console.log(
      `Generated ${tree.fileCount} files in ${tree.dirCount} directories (${fmt(genMs)}) under ${base}`,
    );
    await benchListing(`generated tree (${tree.fileCount} files)`, base);
    await benchListing("node_modules (this repo)", resolve("node_modules"));
    await benchBatchRead(base, tree.sampleFiles);
    await benchLineRead(base, report);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  const searchBase = mkdtempSync(join(tmpdir(), "cq-bench-search-"));
  try {
    await benchSearch(searchBase, resolve("node_modules"), report);
  } finally {
    rmSync(searchBase, { recursive: true, force: true });
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log("");
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
  console.log(
    failures.length === 0
      ? "\nAll targets met."
      : `\nTargets missed: ${failures.join(", ")}.\n${missedExplanation("docs/core.md#benchmark")}`,
  );
}

await main();
