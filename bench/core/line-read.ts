import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openProject } from "../../app/core/project/project.js";

const LINES = 80_000;
const TARGET_LINE = 40_000;
const RUNS = 15;

type Report = (
  name: string,
  ours: number,
  baselineName: string,
  baseline: number,
  target?: { ratio: number; label: string },
) => void;

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function timeMs(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Line 40,000 of a 5 MB / 80,000-line file: cold (a fresh project: opens, verifies, builds the
 * line index) and warm (index cached: one positioned read), beside `sed -n '40000{p;q}'` on the
 * same file in the same run.
 */
export async function benchLineRead(base: string, report: Report): Promise<void> {
  const dir = join(base, "line-read");
  mkdirSync(dir, { recursive: true });
  const text = Array.from(
    { length: LINES },
    (_, i) => `line ${i + 1}: ${"lorem ipsum dolor sit amet ".repeat(2)}\n`,
  ).join("");
  const path = join(dir, "big.txt");
  writeFileSync(path, text);
  const request = [{ path: "big.txt", start_line: TARGET_LINE, end_line: TARGET_LINE }];
  const open = () =>
    openProject({
      root: dir,
      ignoreFileNames: [".gitignore"],
      watch: "off",
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
  const cold: number[] = [];
  const sed: number[] = [];
  for (let i = 0; i < 5; i++) {
    const project = open();
    cold.push(await timeMs(() => project.readFiles(request)));
    project.close();
    sed.push(await timeMs(() => execFileSync("sed", ["-n", `${TARGET_LINE}{p;q}`, path])));
  }
  const project = open();
  await project.readFiles(request);
  // Let the file settle past the racy-git window so the cached index is trusted.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await project.readFiles(request);
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push(await timeMs(() => project.readFiles(request)));
  const answer = await project.readFiles(request);
  project.close();
  const entry = answer.results["big.txt"] as { content?: string };
  if (entry.content !== text.split("\n")[TARGET_LINE - 1] + "\n")
    throw new Error("line read returned the wrong line");
  const mb = (Buffer.byteLength(text) / 1e6).toFixed(1);
  report(`line ${TARGET_LINE} of a ${mb} MB file: cold`, median(cold), "sed -n (1 process)", median(sed));
  report(`line ${TARGET_LINE} of a ${mb} MB file: warm`, median(warm), "sed -n (1 process)", median(sed), {
    ratio: 1,
    label: "target: faster than sed, well under 100 ms",
  });
}
