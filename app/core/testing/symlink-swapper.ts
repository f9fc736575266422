import { spawn, type ChildProcess } from "node:child_process";

/**
 * The attack of issue 12 item 1, in a process of its own so it races the Core for real: in a
 * tight loop, `swap.txt` is atomically replaced by a symlink (to `fileTargets`, in turn) and put
 * back, and the directory `swapdir` is moved aside for a symlink to `dirTarget` and put back.
 */
const SWAPPER = `
const fs = require("node:fs");
const path = require("node:path");
const [root, dirTarget, ...fileTargets] = process.argv.slice(1);
const file = path.join(root, "swap.txt");
const keep = path.join(root, ".swap-keep");
const link = path.join(root, ".swap-link");
const dir = path.join(root, "swapdir");
const dirKeep = path.join(root, ".swapdir-keep");
let i = 0;
for (;;) {
  try {
    fs.symlinkSync(fileTargets[i++ % fileTargets.length], link);
    fs.renameSync(file, keep);
    fs.renameSync(link, file);
    fs.renameSync(keep, file);
    fs.renameSync(dir, dirKeep);
    fs.symlinkSync(dirTarget, dir);
    fs.unlinkSync(dir);
    fs.renameSync(dirKeep, dir);
  } catch (err) {
    process.stderr.write(String(err) + "\\n");
    process.exit(1);
  }
}
`;

export interface SymlinkSwapper {
  stop(): Promise<void>;
}

/** Starts swapping under `root` (which must hold `swap.txt` and `swapdir/`). */
export function startSymlinkSwapper(root: string, dirTarget: string, fileTargets: string[]): SymlinkSwapper {
  // No SIGTERM handler in the child: its loop never yields, so only the default action can stop it.
  const child: ChildProcess = spawn(process.execPath, ["-e", SWAPPER, root, dirTarget, ...fileTargets], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
