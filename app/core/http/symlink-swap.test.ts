import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCoreConfig } from "../config.js";
import { readFilesOperation } from "../operations/read-files.js";
import { startTestCore, TEST_API_KEY, type RunningCore } from "../testing/start-core.js";
import { startSymlinkSwapper, type SymlinkSwapper } from "../testing/symlink-swapper.js";
import { createTempProject, type TempProject } from "../testing/temp-project.js";

/**
 * Issue 12 item 1: a local process swaps a project file and a directory for symlinks to files
 * outside the root and to the project's `.env` while reads hammer every channel. Not one byte of
 * those files may come back.
 */
const SECRETS = /TOP SECRET OUTSIDE|OUTSIDE DIR FILE|ENV_SECRET_MARKER/;
const READS_PER_CHANNEL = 750;
const WORKERS_PER_CHANNEL = 4;

let project: TempProject;
let core: RunningCore;
let swapper: SymlinkSwapper;

beforeAll(async () => {
  project = createTempProject({
    "swap.txt": "SAFE FILE\n",
    "swapdir/inner.txt": "SAFE DIR FILE\n",
    ".env": "ENV_SECRET_MARKER=1\n",
  });
  // No directory watches: the swapper makes thousands of inotify events a second, which is not what this test measures.
  core = await startTestCore(project.root, { TREE_WATCH: "off" });
  swapper = startSymlinkSwapper(project.root, join(project.outside, "dir"), [
    join(project.outside, "secret.txt"),
    join(project.root, ".env"),
  ]);
});

afterAll(async () => {
  await swapper.stop();
  await core.close();
  project.cleanup();
});

interface Tally {
  reads: number;
  leaks: number;
  safe: number;
}

async function hammer(read: () => Promise<string>, reads = READS_PER_CHANNEL): Promise<Tally> {
  const tally: Tally = { reads: 0, leaks: 0, safe: 0 };
  const worker = async () => {
    while (tally.reads < reads) {
      tally.reads++;
      const text = await read();
      if (SECRETS.test(text)) tally.leaks++;
      else if (text.includes("SAFE")) tally.safe++;
    }
  };
  await Promise.all(Array.from({ length: WORKERS_PER_CHANNEL }, worker));
  return tally;
}

const headers = { "X-API-KEY": TEST_API_KEY, "Content-Type": "application/json" };

describe("a symlink swapped in while files are read (TOCTOU)", () => {
  it(
    "leaks nothing through POST and GET /files/content, read_files or search",
    { timeout: 240_000 },
    async () => {
      const limits = loadCoreConfig({ PROJECT_PATH: project.root, API_KEY: TEST_API_KEY }).limits;
      const context = { project: core.core.project, limits };
      const body = JSON.stringify({ file_paths: ["swap.txt", "swapdir/inner.txt"] });
      const tallies = await Promise.all([
        hammer(async () =>
          (await fetch(`${core.url}/files/content`, { method: "POST", headers, body })).text(),
        ),
        hammer(async () => (await core.call("/files/content?path=swap.txt")).text()),
        hammer(async () => (await core.call("/files/content?path=swapdir/inner.txt")).text()),
        hammer(async () =>
          JSON.stringify(
            await readFilesOperation
              .run(context, { file_paths: ["swap.txt", "swapdir/inner.txt"] })
              .catch((err: unknown) => err),
          ),
        ),
        // Search goes through the same confined content store; "E" is in the safe and the secret texts alike.
        hammer(async () => (await core.call("/files/search?q=E")).text(), 250),
      ]);
      const total = tallies.reduce((t, c) => ({
        reads: t.reads + c.reads,
        leaks: t.leaks + c.leaks,
        safe: t.safe + c.safe,
      }));
      const channels = [
        "POST /files/content",
        "GET swap.txt",
        "GET swapdir/inner.txt",
        "read_files",
        "search",
      ];
      const detail = tallies.map((t, i) => `${channels[i]} ${t.leaks}/${t.reads}`).join(", ");
      console.log(
        `symlink swap: ${total.reads} reads, ${total.safe} served the safe file, ${total.leaks} leaks (${detail})`,
      );
      // The race was really run: the safe files were served between swaps.
      expect(total.safe).toBeGreaterThan(0);
      expect(total.leaks).toBe(0);
    },
  );
});
