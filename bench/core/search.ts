import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { extname, join } from "node:path";
import { openProject, type Project } from "../../app/core/project/project.js";

/**
 * Search benchmark: a tree of >= 30,000 files of real text (copies of this repository's
 * node_modules sources, with a marker line planted in one file in 250), scanned in full for a
 * literal by `grep -rnF`, `rg` (when installed) and the Core — cold (a fresh project, as a running
 * Core is after start-up: tree listed, watches in place, workers started, but no file contents cached; the OS
 * page cache is warm for every tool) and warm (the same search again, once the workers have read
 * their files into memory: they do it while idle, after a Core's first search).
 * Targets: cold no slower than grep; warm at most half of grep.
 */

export type Report = (
  name: string,
  ours: number,
  baselineName: string,
  baseline: number,
  target?: { ratio: number; label: string },
) => void;

const TEXT_EXTENSIONS = new Set([".js", ".mjs", ".cjs", ".ts", ".md", ".json"]);
const MAX_SOURCE_BYTES = 200 * 1024;
const MARKER = "bench_needle_marker_42";
const RUNS = 5;

function textFilesUnder(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) textFilesUnder(path, out);
    else if (
      entry.isFile() &&
      TEXT_EXTENSIONS.has(extname(entry.name)) &&
      statSync(path).size <= MAX_SOURCE_BYTES
    )
      out.push(path);
  }
  return out;
}

/** Copies real text files into `root` (cycling through them) until there are `count`; returns the marker hits planted. */
export function generateTextTree(root: string, sourceDir: string, count = 30_000): number {
  const sources = textFilesUnder(sourceDir).sort();
  let planted = 0;
  for (let i = 0; i < count; i++) {
    const dir = join(root, `pkg${i % 150}`, `mod${Math.floor(i / 150) % 20}`);
    if (i < 3000) mkdirSync(dir, { recursive: true });
    const source = sources[i % sources.length] as string;
    const target = join(dir, `f${i}${extname(source)}`);
    if (i % 250 === 0) {
      writeFileSync(target, `// ${MARKER} in file ${i}\n`);
      planted++;
    } else copyFileSync(source, target);
  }
  return planted;
}

function timed<T>(fn: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** Lines `tool` prints for the marker (exit status 1 = no match). */
function runTool(tool: string, args: string[], cwd: string): number {
  const out = execFileSync(tool, args, { cwd, encoding: "utf8", maxBuffer: 256 << 20 });
  return out.split("\n").filter((l) => l !== "").length;
}

/** CPU time (user + system) one `tool` run takes, through bash's `time` (not timed itself). */
function cpuMsOf(tool: string, args: string[], cwd: string): number {
  const script = `TIMEFORMAT='%U %S'; { time "$@" >/dev/null; } 2>&1`;
  const out = execFileSync("bash", ["-c", script, "bash", tool, ...args], { cwd, encoding: "utf8" });
  return out
    .trim()
    .split(" ")
    .reduce((sum, seconds) => sum + Number(seconds) * 1000, 0);
}

/** CPU time of this process (every thread: the workers' too) and of the children it waited for (rg). */
function cpuMsSoFar(): number {
  const own = process.cpuUsage();
  // /proc/self/stat fields 16 and 17: children's user and system time, in clock ticks (1/100 s).
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  const children = (Number(fields[13]) + Number(fields[14])) * 10;
  return (own.user + own.system) / 1000 + children;
}

async function cpuMsDuring(fn: () => Promise<unknown>): Promise<number> {
  const before = cpuMsSoFar();
  await fn();
  return cpuMsSoFar() - before;
}

/** A Core's project as it runs by default: watches keep the listing fresh (TREE_WATCH=auto). */
function openForSearch(root: string, ripgrep = "auto"): Project {
  return openProject({
    root,
    watch: "auto",
    ignoreFileNames: [".agentignore", ".gitignore"],
    limits: {
      maxFileBytes: 1 << 20,
      maxFilesPerRequest: 100,
      maxRequestBytes: 8 << 20,
      maxResults: 200,
      maxFiles: 1_000_000,
      maxQueryLength: 256,
    },
    cacheMaxBytes: 64 << 20,
    search: { ripgrep },
  });
}

/** As a Core is once started: tree listed, its watches in place, search workers ready. */
async function startedProject(root: string, ripgrep?: string): Promise<Project> {
  const project = openForSearch(root, ripgrep);
  await project.structure();
  await Promise.all([project.watchesInstalled(), project.prepareSearch()]);
  return project;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export async function benchSearch(root: string, sourceDir: string, report: Report): Promise<void> {
  const generated = timed(() => generateTextTree(root, sourceDir));
  const bytes = Number(execFileSync("du", ["-sb", root], { encoding: "utf8" }).split("\t")[0]);
  console.log(
    `Search tree: 30,000 files of real text, ${(bytes / 1024 / 1024).toFixed(0)} MB, ` +
      `${generated.value} marker lines planted (${generated.ms.toFixed(0)} ms)`,
  );
  const hasRg = spawnSync("rg", ["--version"]).status === 0;
  const grep: number[] = [];
  const rg: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const coldWithoutRg: number[] = [];
  // CPU time does not depend on how loaded the shared machine is: it shows the work each side does.
  const cpu = { grep: [] as number[], cold: [] as number[], warm: [] as number[] };
  const found = { grep: 0, rg: 0, ours: 0 };
  let warmProject: Project | undefined;
  // Interleaved, so every tool sees the same load on the shared machine.
  for (let run = 0; run < RUNS; run++) {
    const g = timed(() => runTool("grep", ["-rnF", "--", MARKER, "."], root));
    grep.push(g.ms);
    found.grep = g.value;
    if (hasRg) {
      const r = timed(() => runTool("rg", ["-nF", "--no-config", "--", MARKER, "."], root));
      rg.push(r.ms);
      found.rg = r.value;
    }
    // Cold as a running Core sees it: the tree was listed and the workers started at start-up;
    // no file contents are cached yet.
    const project = await startedProject(root);
    const first = await timedAsync(() => project.search({ query: MARKER, limit: 200 }));
    cold.push(first.ms);
    found.ours = first.value.results.length;
    if (first.value.truncated)
      throw new Error(`the Core's full scan stopped early: ${first.value.stopped_by}`);
    project.close();
    if (hasRg) {
      // The same on a machine without ripgrep: the workers read every file.
      const plain = await startedProject(root, "off");
      coldWithoutRg.push((await timedAsync(() => plain.search({ query: MARKER, limit: 200 }))).ms);
      plain.close();
    }
    if (!warmProject) {
      warmProject = await startedProject(root);
      await warmProject.search({ query: MARKER, limit: 200 });
      // After a search the workers read their files into memory while idle; warm is after that.
      const fill = await timedAsync(() => warmProject!.searchSettled());
      console.log(`The workers read the tree into memory ${fill.ms.toFixed(0)} ms after the first search`);
    }
    warm.push((await timedAsync(() => warmProject!.search({ query: MARKER, limit: 200 }))).ms);
    cpu.grep.push(cpuMsOf("grep", ["-rnF", "--", MARKER, "."], root));
    const again = await startedProject(root);
    cpu.cold.push(await cpuMsDuring(() => again.search({ query: MARKER, limit: 200 })));
    again.close();
    cpu.warm.push(await cpuMsDuring(() => warmProject!.search({ query: MARKER, limit: 200 })));
  }
  warmProject?.close();
  console.log(
    `Search CPU time (user + system, every thread and rg; median): grep ${median(cpu.grep).toFixed(0)} ms, ` +
      `the Core cold ${median(cpu.cold).toFixed(0)} ms, warm ${median(cpu.warm).toFixed(0)} ms; ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")} on ${availableParallelism()} CPUs`,
  );
  console.log(
    `Hits: grep ${found.grep}, ${hasRg ? `rg ${found.rg}, ` : ""}the Core ${found.ours} ` +
      `(${found.grep === found.ours ? "equal" : "DIFFERENT"})`,
  );
  if (found.grep !== found.ours)
    report("search: same hits as grep", 1, "grep", 0, { ratio: 0, label: "must be equal" });
  if (hasRg) report("search: rg -nF (reference)", median(rg), "grep -rnF", median(grep));
  else console.log("rg is not installed: no rg figure");
  report("search: full literal scan, cold", median(cold), "grep -rnF", median(grep), {
    ratio: 1,
    label: "target <= grep",
  });
  if (hasRg)
    report("search: cold, without ripgrep (reference)", median(coldWithoutRg), "grep -rnF", median(grep));
  report("search: full literal scan, warm", median(warm), "grep -rnF", median(grep), {
    ratio: 0.5,
    label: "target <= 50% of grep",
  });
}
