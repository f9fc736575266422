import { mkdirSync, readFile, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTempProject, type TempProject } from "../testing/temp-project.js";
import type { Project } from "./project.js";
import { closeTestProjects, openTestProject } from "./project-fixture.js";
import { WATCH_TRUST_MS } from "./tree.js";
import { onLocalFileSystem } from "./tree-watch.js";

let project: TempProject | undefined;
afterEach(() => {
  closeTestProjects();
  project?.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Past the 50 ms "racy" window, so a stat check may vouch for what is on disk. */
const SETTLE_MS = 80;

function open(
  root: string,
  watch: "auto" | "off" = "auto",
  budget?: { maxWatchedDirs: number; onWarning: (message: string) => void },
): Project {
  const core = openTestProject(root, { watch, limits: { maxFiles: 100_000 }, ...budget });
  return core;
}

/** What a Core that has never seen the tree lists: the reference every cached answer must equal. */
async function groundTruth(root: string) {
  const fresh = open(root, "off");
  try {
    return await fresh.structure();
  } finally {
    fresh.close();
  }
}

/** Lists, waits for the watches and the settle window, and lets a stat check arm them. */
async function armed(core: Project): Promise<void> {
  await core.structure();
  await core.watchesInstalled();
  await sleep(SETTLE_MS);
  await core.structure();
  await core.structure();
  await core.watchesInstalled();
  const hits = core.treeStats.watchHits;
  await core.structure();
  if (core.treeStats.watchHits !== hits + 1) {
    // The last walk replaced watches: one more stat check arms them.
    await core.structure();
    const again = core.treeStats.watchHits;
    await core.structure();
    expect(core.treeStats.watchHits).toBe(again + 1);
  }
}

describe.runIf(process.platform === "linux")("directory watches", () => {
  it("answers from the watches alone while only file contents change", async () => {
    project = createTempProject({ "a.txt": "one", "src/b.ts": "b" });
    const core = open(project.root);
    await armed(core);
    const { walks, statChecks, watchHits } = core.treeStats;
    writeFileSync(join(project.root, "a.txt"), "two, longer");
    writeFileSync(join(project.root, "src/b.ts"), "bb");
    expect(await core.structure()).toEqual(await groundTruth(project.root));
    expect(core.treeStats).toEqual({ walks, statChecks, watchHits: watchHits + 1 });
  });

  it("watches a directory replaced under the same name, not the one moved away", async () => {
    project = createTempProject({ "src/a.ts": "a", "keep.txt": "k" });
    const core = open(project.root);
    await armed(core);
    renameSync(join(project.root, "src"), join(project.root, "old"));
    mkdirSync(join(project.root, "src"));
    writeFileSync(join(project.root, "src/new.ts"), "n");
    expect(await core.structure()).toEqual(await groundTruth(project.root));
    await armed(core);
    // A change in the moved-away directory must not be mistaken for one in the new src, nor the reverse.
    writeFileSync(join(project.root, "src/second.ts"), "s");
    expect(await core.structure()).toEqual(await groundTruth(project.root));
    expect((await core.structure())["src"]?.files).toEqual(["new.ts", "second.ts"]);
  });

  it("watches a directory deleted and made again, even when it gets the same inode number back", async () => {
    project = createTempProject({ "src/a.ts": "a", "keep.txt": "k" });
    const core = open(project.root);
    const reused: boolean[] = [];
    for (let round = 0; round < 5; round++) {
      await armed(core);
      const before = statSync(join(project.root, "src")).ino;
      rmSync(join(project.root, "src"), { recursive: true });
      mkdirSync(join(project.root, "src"));
      reused.push(statSync(join(project.root, "src")).ino === before);
      expect(await core.structure()).toEqual(await groundTruth(project.root));
      await armed(core);
      writeFileSync(join(project.root, `src/r${round}.ts`), "r");
      expect(
        (await core.structure())["src"]?.files,
        `round ${round}, inode reused: ${reused.at(-1)}`,
      ).toEqual([`r${round}.ts`]);
    }
  });

  it("sees a change made inside an I/O callback, before the loop polls again", async () => {
    project = createTempProject({ "a.txt": "a", "src/b.ts": "b" });
    const core = open(project.root);
    await armed(core);
    const root = project.root;
    const answer = await new Promise<Awaited<ReturnType<Project["structure"]>>>((resolve, reject) =>
      readFile(join(root, "a.txt"), () => {
        writeFileSync(join(root, "src/c.ts"), "c");
        core.structure().then(resolve, reject);
      }),
    );
    expect(answer["src"]?.files).toEqual(["b.ts", "c.ts"]);
  });

  it("is never stale under random changes, including changes made while the watches go in", async () => {
    const files: Record<string, string> = {};
    for (let d = 0; d < 300; d++) files[`d${d % 30}/e${d}/f.txt`] = "x";
    project = createTempProject(files);
    const root = project.root;
    const core = open(root);
    // Changes while the watches are still being installed.
    await core.structure();
    writeFileSync(join(root, "d1/early.txt"), "e");
    rmSync(join(root, "d2/e2"), { recursive: true });
    expect(await core.structure()).toEqual(await groundTruth(root));

    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const operations = [
      (i: number) => project!.write(`d${random(30)}/new${i}.txt`, "n"),
      () => rmSync(join(root, `d${random(30)}`), { recursive: true, force: true }),
      (i: number) => mkdirSync(join(root, `d${random(30)}/made${i}/deep`), { recursive: true }),
      (i: number) => project!.write(`d${random(30)}/.gitignore`, random(2) ? "*.txt\n" : `made${i}\n`),
      () => rmSync(join(root, `d${random(30)}/.gitignore`), { force: true }),
      (i: number) => {
        const from = join(root, `d${random(30)}`);
        rmSync(join(root, `moved${i}`), { recursive: true, force: true });
        try {
          renameSync(from, join(root, `moved${i}`));
          mkdirSync(from);
        } catch {
          // the directory was already gone
        }
      },
      (i: number) => symlinkSync(`d${random(30)}`, join(root, `link${i}`)),
    ];
    for (let i = 0; i < 14; i++) {
      await armed(core);
      const before = await core.structure();
      const hits = core.treeStats.watchHits;
      const op = operations[i % operations.length] as (i: number) => void;
      op(i);
      const truth = await groundTruth(root);
      expect(await core.structure(), `after operation ${i % operations.length} (round ${i})`).toEqual(truth);
      // A change to the listing is never answered by the watches alone.
      if (JSON.stringify(truth) !== JSON.stringify(before)) expect(core.treeStats.watchHits).toBe(hits);
    }
  });

  it("stat-checks the directories beyond the watch budget, and sees changes in both kinds", async () => {
    const files: Record<string, string> = {};
    for (let d = 0; d < 9; d++) files[`d${d}/f.txt`] = "x";
    project = createTempProject(files);
    const warnings: string[] = [];
    // The root and three of the nine directories.
    const core = open(project.root, "auto", { maxWatchedDirs: 4, onWarning: (m) => warnings.push(m) });
    for (let d = 0; d < 9; d++) {
      await armed(core);
      const hits = core.treeStats.watchHits;
      project.write(`d${d}/g${d}.txt`, "g");
      expect(await core.structure(), `change in d${d}`).toEqual(await groundTruth(project.root));
      expect(core.treeStats.watchHits).toBe(hits);
    }
    expect(warnings).toEqual([
      expect.stringMatching(/^watching the first 4 of 10 directories \(TREE_WATCH_MAX_DIRS/),
    ]);
  });

  it("has the watches' word confirmed by a stat check once it is older than the trust window", async () => {
    project = createTempProject({ "a.txt": "a" });
    const core = open(project.root);
    await armed(core);
    const { statChecks, watchHits } = core.treeStats;
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + WATCH_TRUST_MS + 1_000);
      await core.structure();
      expect(core.treeStats).toMatchObject({ statChecks: statChecks + 1, watchHits });
      await core.structure();
      expect(core.treeStats).toMatchObject({ statChecks: statChecks + 1, watchHits: watchHits + 1 });
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps answering fresh after close(), by stat checks", async () => {
    project = createTempProject({ "a.txt": "a" });
    const core = open(project.root);
    await armed(core);
    core.close();
    project.write("b.txt", "b");
    expect(await core.structure()).toEqual(await groundTruth(project.root));
    await sleep(SETTLE_MS);
    await core.structure(); // b.txt was too fresh to vouch for: one more walk
    const { watchHits, statChecks } = core.treeStats;
    await core.structure();
    await core.structure();
    expect(core.treeStats).toMatchObject({ watchHits, statChecks: statChecks + 2 });
    project.write("c.txt", "c");
    expect(await core.structure()).toEqual(await groundTruth(project.root));
  });

  it("watches only file systems whose changes inotify reports", () => {
    project = createTempProject({});
    expect(onLocalFileSystem(project.root)).toBe(true); // ext4, tmpfs or overlayfs here
    expect(onLocalFileSystem("/proc")).toBe(false); // a pseudo file system, like NFS or FUSE would be
    expect(onLocalFileSystem(join(project.root, "missing"))).toBe(false);
  });

  it("never answers from watches with TREE_WATCH=off", async () => {
    project = createTempProject({ "a.txt": "a" });
    const core = open(project.root, "off");
    await sleep(SETTLE_MS);
    await core.structure();
    for (let i = 0; i < 3; i++) await core.structure();
    expect(core.treeStats).toEqual({ walks: 1, statChecks: 3, watchHits: 0 });
  });
});
